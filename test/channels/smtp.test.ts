import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { SMTPServer } from 'smtp-server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type OutboundMessage, UNSUBSCRIBE_LINK_HEADER } from '../../src/channels/channel.ts';
import { decodeEncodedWords, parseHeaders } from '../../src/channels/email/mime-headers.ts';
import { SmtpChannel } from '../../src/channels/email/smtp-channel.ts';
import { bodies } from '../support/mime.ts';
import {
  DEFAULT_TEMPLATE_ROOT,
  type TemplateContext,
  TemplateRenderer,
} from '../../src/channels/templates/renderer.ts';

interface Received {
  mailFrom: string;
  rcptTo: string[];
  user: unknown;
  raw: string;
}

const received: Received[] = [];
let server: SMTPServer;
let port: number;

beforeAll(async () => {
  server = new SMTPServer({
    authOptional: true,
    allowInsecureAuth: true,
    disabledCommands: ['STARTTLS'],
    logger: false,
    onAuth(auth, _session, callback) {
      if (auth.username === 'recoup' && auth.password === 's3cret p@ss')
        return callback(null, { user: 'recoup' });
      callback(new Error('Invalid username or password'));
    },
    onRcptTo(address, _session, callback) {
      const code = /^(\d{3})@/.exec(address.address)?.[1];
      if (!code) return callback();
      callback(Object.assign(new Error(`mailbox says ${code}`), { responseCode: Number(code) }));
    },
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (chunk: Buffer) => chunks.push(chunk));
      stream.on('end', () => {
        const envelope = session.envelope;
        received.push({
          mailFrom: envelope.mailFrom ? envelope.mailFrom.address : '',
          rcptTo: envelope.rcptTo.map((a) => a.address),
          user: session.user,
          raw: Buffer.concat(chunks).toString('utf8'),
        });
        callback();
      });
    },
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  port = (server.server.address() as AddressInfo).port;
});

afterAll(async () => {
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

const spaces = (text: string): string => text.replace(/[\u00a0\u202f]/g, ' ');

function message(overrides: Partial<OutboundMessage> = {}): OutboundMessage {
  return {
    id: 'msg_01',
    idempotencyKey: 'case_1:step_0:email',
    channel: 'email',
    to: 'kunde@example.de',
    subject: 'Test',
    text: 'Hallo',
    html: null,
    headers: {},
    ...overrides,
  };
}

describe('SmtpChannel against a real SMTP server', () => {
  it('delivers a rendered German payment-failed email with unsubscribe and idempotency headers', async () => {
    const ctx: TemplateContext = {
      business: { name: 'Acme Cloud GmbH', supportEmail: 'billing@acme.example' },
      customer: { name: 'Jürgen Groß', email: 'juergen@example.de' },
      amountDue: { amount: 123456, currency: 'EUR' },
      invoices: [],
      payLink: 'https://pay.acme.example/c/case_1?token=abc',
      updatePaymentLink: 'https://pay.acme.example/c/case_1/method',
      unsubscribeLink: 'https://pay.acme.example/c/case_1/unsubscribe',
      declineClass: 'action_required',
      daysOverdue: 0,
    };
    const rendered = await new TemplateRenderer({ root: DEFAULT_TEMPLATE_ROOT }).render(
      'payment-failed',
      'de-DE',
      ctx,
      'Europe/Berlin',
    );
    const channel = new SmtpChannel({
      url: `smtp://recoup:${encodeURIComponent('s3cret p@ss')}@127.0.0.1:${port}`,
      from: 'Acme Billing <billing@acme.example>',
    });
    try {
      const result = await channel.send(
        message({
          id: 'msg_01HZX',
          to: 'juergen@example.de',
          subject: rendered.subject,
          text: rendered.text,
          html: rendered.html,
          headers: { [UNSUBSCRIBE_LINK_HEADER]: ctx.unsubscribeLink, 'X-Recoup-Case': 'case_1' },
        }),
      );
      expect(result).toEqual({
        status: 'sent',
        providerId: '<msg_01HZX@acme.example>',
        response: expect.stringMatching(/^250 /),
      });
    } finally {
      await channel.close();
    }

    const mail = received.at(-1)!;
    expect(mail.user).toBe('recoup');
    expect(mail.mailFrom).toBe('billing@acme.example');
    expect(mail.rcptTo).toEqual(['juergen@example.de']);
    const headers = parseHeaders(mail.raw);
    expect(decodeEncodedWords(headers.get('subject')!)).toBe(
      'Ihre Zahlung an Acme Cloud GmbH konnte nicht verarbeitet werden',
    );
    expect(headers.get('message-id')).toBe('<msg_01HZX@acme.example>');
    expect(headers.get('x-recoup-idempotency-key')).toBe('case_1:step_0:email');
    expect(headers.get('list-unsubscribe')).toBe('<https://pay.acme.example/c/case_1/unsubscribe>');
    expect(headers.get('list-unsubscribe-post')).toBe('List-Unsubscribe=One-Click');
    expect(headers.get('x-recoup-case')).toBe('case_1');
    expect(headers.has('list-unsubscribe-link')).toBe(false);

    const parts = bodies(mail.raw);
    const text = spaces(parts.get('text/plain')!);
    const html = spaces(parts.get('text/html')!);
    expect(text).toContain('Guten Tag Jürgen Groß,');
    expect(text).toContain('1.234,56 €');
    expect(text).toContain('https://pay.acme.example/c/case_1?token=abc');
    expect(text).toContain('https://pay.acme.example/c/case_1/method');
    expect(text).toContain('https://pay.acme.example/c/case_1/unsubscribe');
    expect(html).toContain('1.234,56 €');
    expect(html).toContain('href="https://pay.acme.example/c/case_1?token=abc"');
  });

  it('reports a 550 rejection as a permanent failure', async () => {
    const channel = new SmtpChannel({ url: `smtp://127.0.0.1:${port}`, from: 'billing@acme.example' });
    try {
      const result = await channel.send(message({ to: '550@example.com' }));
      expect(result).toMatchObject({ status: 'failed', permanent: true });
      expect(result.status === 'failed' && result.error).toMatch(/550/);
    } finally {
      await channel.close();
    }
  });

  it('reports a 450 rejection as a temporary failure', async () => {
    const channel = new SmtpChannel({ url: `smtp://127.0.0.1:${port}`, from: 'billing@acme.example' });
    try {
      expect(await channel.send(message({ to: '450@example.com' }))).toMatchObject({
        status: 'failed',
        permanent: false,
      });
    } finally {
      await channel.close();
    }
  });

  it('keeps the message retryable and the password out of the error when login fails', async () => {
    const channel = new SmtpChannel({
      url: `smtp://recoup:wrong-pass-9f3@127.0.0.1:${port}`,
      from: 'billing@acme.example',
    });
    try {
      const result = await channel.send(message());
      expect(result).toMatchObject({ status: 'failed', permanent: false });
      expect(JSON.stringify(result)).not.toContain('wrong-pass-9f3');
    } finally {
      await channel.close();
    }
  });

  it('treats an unreachable server as a temporary failure', async () => {
    const probe = createServer();
    await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', () => resolve()));
    const closedPort = (probe.address() as AddressInfo).port;
    await new Promise<void>((resolve) => probe.close(() => resolve()));
    const channel = new SmtpChannel({ url: `smtp://127.0.0.1:${closedPort}`, from: 'billing@acme.example' });
    try {
      const result = await channel.send(message());
      expect(result).toMatchObject({ status: 'failed', permanent: false });
      expect(result.status === 'failed' && result.error).toMatch(/ECONNREFUSED|ECONNECTION/);
    } finally {
      await channel.close();
    }
  });
});
