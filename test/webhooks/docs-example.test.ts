import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Value } from '@sinclair/typebox/value';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MAX_ATTEMPTS, RETRY_CAP_MS, retryDelayMs } from '../../src/webhooks/backoff.ts';
import { EVENT_DATA, EVENT_TYPES, WebhookEventSchema } from '../../src/webhooks/events.ts';
import { postWebhook } from '../../src/webhooks/post.ts';
import { SIGNATURE_HEADER, signWebhook } from '../../src/webhooks/signature.ts';

// docs/outbound-webhooks.md is the contract receivers build on: its code is run here against what Recoup really
// sends, and its tables are checked against the code they describe.

const DOC = readFileSync(new URL('../../docs/outbound-webhooks.md', import.meta.url), 'utf8');
const SECRET = 'whsec_docs-test-secret';

/** The fenced block right after `<!-- docs-example:NAME -->`. */
function block(name: string): string {
  const marker = `<!-- docs-example:${name} -->\n`;
  const at = DOC.indexOf(marker);
  expect(at, name).toBeGreaterThanOrEqual(0);
  const match = /^```\w*\n([\s\S]*?)\n```/.exec(DOC.slice(at + marker.length));
  expect(match, name).not.toBeNull();
  return match![1]!;
}

/** The markdown table right after `<!-- docs-example:NAME -->`: its rows' cells, header and rule left out. */
function table(name: string): string[][] {
  const marker = `<!-- docs-example:${name} -->\n`;
  const at = DOC.indexOf(marker);
  expect(at, name).toBeGreaterThanOrEqual(0);
  const text = DOC.slice(at + marker.length);
  return text
    .slice(0, text.indexOf('\n\n'))
    .split('\n')
    .slice(2)
    .map((row) =>
      row
        .split('|')
        .map((cell) => cell.trim())
        .slice(1, -1),
    );
}

interface Snippet {
  verifyRecoupSignature(
    secret: string,
    header: string | undefined,
    rawBody: string | Buffer,
    toleranceSeconds?: number,
    now?: number,
  ): boolean;
  recoupReceiver(
    secret: string,
    handle: (event: { id: string }) => Promise<void>,
    seen?: Set<string>,
  ): Server;
}

describe('the outbound webhooks documentation', () => {
  let snippet: Snippet;
  let dir: string;
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'recoup-docs-'));
    const file = join(dir, 'receiver.mjs');
    writeFileSync(file, block('receiver'));
    snippet = (await import(/* @vite-ignore */ pathToFileURL(file).href)) as Snippet;
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('verifies what signature.ts signs, and nothing else', () => {
    const { verifyRecoupSignature: verify } = snippet;
    const t = 1_772_452_800;
    for (const body of ['{"id":"evt_1","type":"case.opened"}', '{"name":"Zoë — ¥4,900 🎉"}', '']) {
      const header = signWebhook(SECRET, body, t);
      expect(verify(SECRET, header, body, 300, t), body).toBe(true);
      expect(verify(SECRET, header, Buffer.from(body, 'utf8'), 300, t + 300)).toBe(true);
      expect(verify(SECRET, header, Buffer.from(body, 'utf8'), 300, t - 300)).toBe(true);
      expect(verify(SECRET, header, `${body} `, 300, t)).toBe(false);
      expect(verify(`${SECRET}x`, header, body, 300, t)).toBe(false);
      expect(verify(SECRET, header, body, 300, t + 301)).toBe(false);
      expect(verify(SECRET, header, body, 300, t - 301)).toBe(false);
      expect(verify(SECRET, header.replace(`t=${t}`, `t=${t + 1}`), body, 300, t)).toBe(false);
      // Any one matching v1 is enough; unknown entries are ignored.
      const [, v1] = header.split(',');
      const other = signWebhook('whsec_other', body, t).split(',')[1]!;
      expect(verify(SECRET, `t=${t},${other},${v1},v2=abc`, body, 300, t)).toBe(true);
      expect(verify(SECRET, `t=${t},${other}`, body, 300, t)).toBe(false);
    }
    // The default tolerance is 300 s around the receiver's own clock.
    expect(verify(SECRET, signWebhook(SECRET, 'x'), 'x')).toBe(true);
    expect(verify(SECRET, signWebhook(SECRET, 'x', Math.floor(Date.now() / 1000) - 400), 'x')).toBe(false);
    for (const bad of [undefined, '', 'garbage', 't=1772452800', 'v1=00', `t=abc,v1=${'0'.repeat(64)}`])
      expect(verify(SECRET, bad, 'x', 300, t)).toBe(false);
  });

  it('shows a real delivery whose documented signature Recoup made and the snippet accepts', () => {
    const [head, body] = block('delivery').split('\n\n') as [string, string];
    const headers = Object.fromEntries(
      head
        .split('\n')
        .slice(1)
        .map((line) => [
          line.slice(0, line.indexOf(':')).toLowerCase(),
          line.slice(line.indexOf(':') + 1).trim(),
        ]),
    );
    const event = JSON.parse(body);
    expect(Value.Check(WebhookEventSchema, event)).toBe(true);
    expect(headers['recoup-event-id']).toBe(event.id);
    expect(headers['recoup-event-type']).toBe(event.type);
    expect(Number(headers['content-length'])).toBe(Buffer.byteLength(body));
    expect(headers['recoup-signature']).toBe(signWebhook('whsec_docs-example-secret', body, 1_772_452_800));
    expect(DOC).toContain(
      'With the secret `whsec_docs-example-secret` that signature is valid at\n`t=1772452800`',
    );
    expect(
      snippet.verifyRecoupSignature(
        'whsec_docs-example-secret',
        headers['recoup-signature'],
        body,
        300,
        1_772_452_800,
      ),
    ).toBe(true);
  });

  it('runs the documented receiver against the request Recoup sends: accepted once, duplicates and forgeries refused', async () => {
    const handled: string[] = [];
    const server = snippet.recoupReceiver(SECRET, async (event) => {
      handled.push(event.id);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hooks`;
    // As deliver.ts sends it: the same request function, headers and signature.
    const send = (body: string, secret = SECRET) =>
      postWebhook(
        url,
        body,
        {
          'Recoup-Event-Id': 'evt_1',
          'Recoup-Event-Type': 'case.opened',
          [SIGNATURE_HEADER]: signWebhook(secret, body),
        },
        { timeoutMs: 5_000, allowPrivate: true },
      );
    try {
      const body = '{"id":"evt_1","type":"case.opened","data":{"amount_due":4900}}';
      expect(await send(body)).toEqual({ delivered: true, statusCode: 204, error: null, refused: false });
      expect(await send(body)).toMatchObject({ delivered: true, statusCode: 204 });
      expect(handled).toEqual(['evt_1']);
      expect(await send(body, 'whsec_forged')).toEqual({
        delivered: false,
        statusCode: 400,
        error: 'HTTP 400',
        refused: false,
      });
      expect(handled).toEqual(['evt_1']);
    } finally {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    }
  });

  it('states the retry schedule backoff.ts computes', () => {
    const rows = table('backoff');
    let elapsed = 0;
    let n = 1;
    for (; retryDelayMs(n, 0.5) < RETRY_CAP_MS; n++) {
      elapsed += retryDelayMs(n, 0.5);
      expect(rows[n - 1], `after attempt ${n}`).toEqual([
        String(n),
        duration(retryDelayMs(n, 0.5)),
        duration(elapsed),
      ]);
    }
    const capped = MAX_ATTEMPTS - n; // waits at the cap, before the last attempt
    const first = elapsed + RETRY_CAP_MS;
    elapsed += capped * RETRY_CAP_MS;
    expect(rows[n - 1]).toEqual([
      `${n} to ${MAX_ATTEMPTS - 1}`,
      `${duration(RETRY_CAP_MS)} each`,
      `${duration(first)} … ${duration(elapsed)}`,
    ]);
    expect(rows[n]).toEqual([String(MAX_ATTEMPTS), 'given up', '']);
    expect(rows).toHaveLength(n + 1);
    // The prose: about 71 hours, 2.97 days, 57 to 73 hours with the jitter.
    expect(Math.floor(elapsed / 3_600_000)).toBe(71);
    expect((elapsed / 86_400_000).toFixed(2)).toBe('2.97');
    let least = 0;
    let most = 0;
    for (let i = 1; i < MAX_ATTEMPTS; i++) {
      least += retryDelayMs(i, 0);
      most += retryDelayMs(i, 0.999_999_999);
    }
    expect(Math.round(least / 3_600_000)).toBe(57);
    expect(Math.round(most / 3_600_000)).toBe(73);
    expect(DOC).toContain(
      'about 71 hours (2.97 days) after the first; with the jitter, between about 57\nand 73 hours',
    );
  });

  it('documents every event type of the catalogue with each of its data fields', () => {
    const documented = [...DOC.matchAll(/^### `([a-z_.]+)`$/gm)].map((m) => m[1]);
    expect(documented).toEqual(EVENT_TYPES);
    for (const type of EVENT_TYPES) {
      const start = DOC.indexOf(`### \`${type}\``);
      const end = DOC.indexOf('\n#', start + 1);
      const section = DOC.slice(start, end);
      for (const field of Object.keys(EVENT_DATA[type].properties))
        expect(section, `${type}.${field}`).toContain(`\`${field}\``);
    }
  });
});

/** 10 s, 1 min 10 s, 1 h 25 min 10 s, 6 h: how the schedule is written. */
function duration(ms: number): string {
  const s = Math.round(ms / 1000);
  const parts = [
    [Math.floor(s / 3600), 'h'],
    [Math.floor((s % 3600) / 60), 'min'],
    [s % 60, 's'],
  ] as const;
  return parts
    .filter(([v]) => v > 0)
    .map(([v, unit]) => `${v} ${unit}`)
    .join(' ');
}
