import type { AddressInfo } from 'node:net';
import { SMTPServer, type SMTPServerOptions } from 'smtp-server';

/** A message a test SMTP server accepted: its envelope recipients and its raw MIME text. */
export interface CapturedMail {
  readonly to: string[];
  readonly raw: string;
}

/** A real SMTP server on 127.0.0.1 for one test file. */
export interface SmtpCapture {
  readonly port: number;
  /** `smtp://127.0.0.1:<port>`, for RECOUP_SMTP_URL or an SmtpChannel. */
  readonly url: string;
  close(): Promise<void>;
}

/**
 * Starts a plain-text SMTP server (no STARTTLS, authentication optional) that appends every message it accepts to
 * `received`; `options` adds handlers such as `onRcptTo` to refuse some recipients.
 */
export async function startSmtpCapture(
  received: CapturedMail[],
  options: Partial<SMTPServerOptions> = {},
): Promise<SmtpCapture> {
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS'],
    logger: false,
    ...options,
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('end', () => {
        received.push({
          to: session.envelope.rcptTo.map((a) => a.address),
          raw: Buffer.concat(chunks).toString('utf8'),
        });
        callback();
      });
    },
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const port = (server.server.address() as AddressInfo).port;
  return {
    port,
    url: `smtp://127.0.0.1:${port}`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
