import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { type OutboundMessage, UNSUBSCRIBE_LINK_HEADER } from '../../src/channels/channel.ts';
import { emailChannelFromEnv } from '../../src/channels/email/from-env.ts';
import { parseHeaders } from '../../src/channels/email/mime-headers.ts';
import { listOutbox, OutboxChannel } from '../../src/channels/email/outbox-channel.ts';
import { SmtpChannel } from '../../src/channels/email/smtp-channel.ts';

const folder = (): string => join(mkdtempSync(join(tmpdir(), 'recoup-outbox-')), 'outbox');

function message(id: string, overrides: Partial<OutboundMessage> = {}): OutboundMessage {
  return {
    id,
    idempotencyKey: `key-${id}`,
    channel: 'email',
    to: 'dana@example.com',
    subject: 'Zahlung fällig: 1.234,56 €',
    text: 'Bitte bezahlen: https://pay.example/c/1',
    html: '<p>Bitte <a href="https://pay.example/c/1">bezahlen</a></p>',
    headers: { [UNSUBSCRIBE_LINK_HEADER]: 'https://pay.example/c/1/unsubscribe' },
    ...overrides,
  };
}

describe('OutboxChannel', () => {
  it('writes each message as a complete .eml file', async () => {
    const dir = folder();
    const channel = new OutboxChannel({ from: 'Acme <billing@acme.example>', folder: dir });
    const result = await channel.send(message('msg_1'));
    expect(result).toEqual({ status: 'sent', providerId: '<msg_1@acme.example>' });

    expect(readdirSync(dir)).toEqual(['msg_1.eml']);
    const raw = readFileSync(join(dir, 'msg_1.eml'), 'utf8');
    const headers = parseHeaders(raw);
    expect(headers.get('message-id')).toBe('<msg_1@acme.example>');
    expect(headers.get('x-recoup-idempotency-key')).toBe('key-msg_1');
    expect(headers.get('list-unsubscribe')).toBe('<https://pay.example/c/1/unsubscribe>');
    expect(headers.get('list-unsubscribe-post')).toBe('List-Unsubscribe=One-Click');
    expect(headers.get('mime-version')).toBe('1.0');
    expect(headers.get('content-type')).toMatch(/^multipart\/alternative; boundary=/);
    expect(raw).toContain('\r\n\r\n');
  });

  it('never writes the same message id twice', async () => {
    const dir = folder();
    const channel = new OutboxChannel({ from: 'billing@acme.example', folder: dir });
    const first = await channel.send(message('msg_2'));
    const before = readFileSync(join(dir, 'msg_2.eml'), 'utf8');
    const second = await channel.send(message('msg_2', { subject: 'a different subject' }));
    expect(second).toEqual(first);
    expect(readdirSync(dir)).toEqual(['msg_2.eml']);
    expect(readFileSync(join(dir, 'msg_2.eml'), 'utf8')).toBe(before);
  });

  it('keeps exactly one file when the same message is sent concurrently', async () => {
    const dir = folder();
    const channel = new OutboxChannel({ from: 'billing@acme.example', folder: dir });
    const results = await Promise.all(Array.from({ length: 8 }, () => channel.send(message('msg_race'))));
    expect(new Set(results.map((r) => JSON.stringify(r))).size).toBe(1);
    expect(readdirSync(dir)).toEqual(['msg_race.eml']);
  });

  it('refuses an id that cannot safely name a file', async () => {
    const channel = new OutboxChannel({ from: 'billing@acme.example', folder: folder() });
    for (const id of ['../escape', '.hidden', 'a/b', '']) {
      expect(await channel.send(message(id))).toMatchObject({ status: 'failed', permanent: true });
    }
  });

  it('lists stored messages from their headers', async () => {
    const dir = folder();
    const channel = new OutboxChannel({ from: 'billing@acme.example', folder: dir });
    await channel.send(message('msg_a'));
    await channel.send(message('msg_b', { to: 'Jürgen <j@example.de>', subject: 'Plain subject' }));
    const entries = await listOutbox(dir);
    expect(entries.map((e) => e.id).sort()).toEqual(['msg_a', 'msg_b']);
    const a = entries.find((e) => e.id === 'msg_a')!;
    expect(a).toMatchObject({
      to: 'dana@example.com',
      subject: 'Zahlung fällig: 1.234,56 €',
      file: join(dir, 'msg_a.eml'),
    });
    expect(Math.abs(a.date! - Date.now())).toBeLessThan(60_000);
    expect(entries.find((e) => e.id === 'msg_b')).toMatchObject({
      to: 'Jürgen <j@example.de>',
      subject: 'Plain subject',
    });
    expect(await listOutbox(join(dir, 'missing'))).toEqual([]);
  });
});

describe('emailChannelFromEnv', () => {
  it('uses the outbox without RECOUP_SMTP_URL', () => {
    const dir = folder();
    const channel = emailChannelFromEnv({}, { from: 'billing@acme.example', outboxFolder: dir });
    expect(channel).toBeInstanceOf(OutboxChannel);
    expect((channel as OutboxChannel).folder).toBe(dir);
    expect(emailChannelFromEnv({ RECOUP_SMTP_URL: ' ' }, { from: 'billing@acme.example' })).toBeInstanceOf(
      OutboxChannel,
    );
  });

  it('uses SMTP when RECOUP_SMTP_URL is set', async () => {
    const channel = emailChannelFromEnv(
      { RECOUP_SMTP_URL: 'smtps://user:pa%40ss@mail.example.com' },
      { from: 'billing@acme.example' },
    );
    expect(channel).toBeInstanceOf(SmtpChannel);
    await channel.close?.();
  });

  it('names the variable and the reason for a malformed URL, never the password', () => {
    const cases: [string, RegExp][] = [
      ['not a url', /RECOUP_SMTP_URL is not a valid URL/],
      ['http://user:hunter2@mail.example.com', /RECOUP_SMTP_URL must start with smtp:\/\/ or smtps:\/\//],
      ['smtp://user:hunter2@mail.example.com:99999', /RECOUP_SMTP_URL is not a valid URL/],
      ['smtp://user:hunter2@mail.example.com/path', /RECOUP_SMTP_URL must not have a path/],
      ['smtp://:hunter2@mail.example.com', /RECOUP_SMTP_URL has a password but no user/],
    ];
    for (const [url, reason] of cases) {
      let error: unknown;
      try {
        emailChannelFromEnv({ RECOUP_SMTP_URL: url }, { from: 'billing@acme.example' });
      } catch (caught) {
        error = caught;
      }
      expect(error, url).toBeInstanceOf(Error);
      expect((error as Error).message).toMatch(reason);
      expect((error as Error).message).not.toContain('hunter2');
    }
  });
});
