import http from 'node:http';
import https from 'node:https';
import { resolveDestination } from './resolve-destination.ts';

/** What one HTTP attempt came to: 2xx is delivered; anything else, or no answer, is retried. */
export interface PostResult {
  readonly delivered: boolean;
  readonly statusCode: number | null;
  readonly error: string | null;
  /** No request was made: the destination is not allowed (a non-public address, credentials in the URL). */
  readonly refused: boolean;
}

/** How a POST may reach its receiver. */
export interface PostOptions {
  /** Per request, DNS resolution included. */
  readonly timeoutMs: number;
  /** Deliver to loopback, private and other non-public addresses too (RECOUP_WEBHOOK_ALLOW_PRIVATE). */
  readonly allowPrivate: boolean;
}

// Connections are kept alive between deliveries. Guarded and unguarded requests never share a pooled socket, so
// that a socket opened without the guard can never carry a guarded request.
const AGENTS = {
  guarded: { 'http:': new http.Agent({ keepAlive: true }), 'https:': new https.Agent({ keepAlive: true }) },
  open: { 'http:': new http.Agent({ keepAlive: true }), 'https:': new https.Agent({ keepAlive: true }) },
};

/**
 * POSTs a JSON body once, with a timeout, to a destination checked (and pinned) by `resolveDestination`. Redirects
 * are not followed (a receiver moved is a receiver to update, and a redirect could point anywhere), and errors
 * never include the URL, which may carry credentials.
 */
export async function postWebhook(
  url: string,
  body: string,
  headers: Record<string, string>,
  options: PostOptions,
): Promise<PostResult> {
  const signal = AbortSignal.timeout(options.timeoutMs);
  const timedOut = `timed out after ${options.timeoutMs} ms`;
  try {
    const target = new URL(url);
    const destination = await Promise.race([
      resolveDestination(target, options.allowPrivate),
      new Promise<never>((_, reject) =>
        signal.addEventListener('abort', () => reject(signal.reason), { once: true }),
      ),
    ]);
    if ('refused' in destination)
      return { delivered: false, statusCode: null, error: destination.refused, refused: true };
    const protocol = target.protocol as 'http:' | 'https:';
    const statusCode = await request(target, body, {
      agent: AGENTS[options.allowPrivate ? 'open' : 'guarded'][protocol],
      headers: {
        'content-type': 'application/json',
        'user-agent': 'Recoup-Webhooks/1',
        ...headers,
        'content-length': String(Buffer.byteLength(body)),
      },
      lookup: destination.lookup,
      signal,
    });
    if (statusCode >= 200 && statusCode < 300)
      return { delivered: true, statusCode, error: null, refused: false };
    return { delivered: false, statusCode, error: `HTTP ${statusCode}`, refused: false };
  } catch (error) {
    const e = error as Error & { code?: string };
    const reason = signal.aborted ? timedOut : (e.code ?? e.message);
    return { delivered: false, statusCode: null, error: String(reason).slice(0, 300), refused: false };
  }
}

// One request; resolves with the status once the response body has been drained (so the connection can be
// reused; its content is not ours to keep), or ended early by the timeout.
function request(
  target: URL,
  body: string,
  options: Pick<http.RequestOptions, 'agent' | 'headers' | 'lookup' | 'signal'>,
): Promise<number> {
  const send = target.protocol === 'https:' ? https.request : http.request;
  return new Promise((resolve, reject) => {
    const req = send(target, { method: 'POST', ...options }, (res) => {
      const status = res.statusCode ?? 0;
      res.on('close', () => resolve(status));
      res.on('error', () => resolve(status));
      res.resume();
    });
    req.on('error', reject);
    req.end(body);
  });
}
