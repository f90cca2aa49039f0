import { type IncomingMessage, type Server, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

/** One request as the receiver saw it, and what it answered. */
export interface Arrival {
  readonly index: number;
  readonly path: string;
  readonly eventId: string;
  readonly eventType: string;
  readonly signature: string;
  readonly body: string;
  /** 'ok' answered 2xx; 'fail' answered 500; 'drop' closed the connection without answering. */
  readonly answer: Answer;
}

export type Answer = 'ok' | 'fail' | 'drop';

/** A real HTTP server on 127.0.0.1 that records every webhook request and answers as `plan` says. */
export interface Receiver {
  readonly url: string;
  readonly arrivals: Arrival[];
  /** Resolves the next time a request has been read (before it is answered). */
  nextRequest(): Promise<Arrival>;
  close(): Promise<void>;
}

/** Starts a receiver; `plan` picks each request's answer and `delayMs` holds every answer back that long. */
export async function startReceiver(
  plan: (request: { index: number; path: string; eventId: string }) => Answer,
  options: { delayMs?: number } = {},
): Promise<Receiver> {
  const arrivals: Arrival[] = [];
  let waiters: ((a: Arrival) => void)[] = [];
  const server: Server = createServer(async (req, res) => {
    const body = await readBody(req);
    const header = (name: string) => String(req.headers[name.toLowerCase()] ?? '');
    const index = arrivals.length;
    const path = req.url ?? '/';
    const eventId = header('Recoup-Event-Id');
    const answer = plan({ index, path, eventId });
    const arrival: Arrival = {
      index,
      path,
      eventId,
      eventType: header('Recoup-Event-Type'),
      signature: header('Recoup-Signature'),
      body,
      answer,
    };
    arrivals.push(arrival);
    const ready = waiters;
    waiters = [];
    for (const w of ready) w(arrival);
    if (options.delayMs) await new Promise((r) => setTimeout(r, options.delayMs));
    if (answer === 'drop') {
      req.socket.destroy();
      return;
    }
    res.writeHead(answer === 'ok' ? 204 : 500).end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    arrivals,
    nextRequest: () => new Promise((resolve) => waiters.push(resolve)),
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}
