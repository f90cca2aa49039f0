import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Channel } from '../../src/channels/channel.ts';
import { decodeEncodedWords, parseHeaders } from '../../src/channels/email/mime-headers.ts';
import { SmtpChannel } from '../../src/channels/email/smtp-channel.ts';
import { bodies } from '../support/mime.ts';
import { HOUR, type World, createWorld } from '../support/world.ts';
import { type CapturedMail, type SmtpCapture, startSmtpCapture } from '../support/smtp-capture.ts';

const received: CapturedMail[] = [];
let server: SmtpCapture;
let port: number;

beforeAll(async () => {
  server = await startSmtpCapture(received);
  port = server.port;
});
afterAll(async () => server.close());

describe('the engine’s reminders over real SMTP', () => {
  let world: World;
  afterEach(async () => world?.close());

  it('delivers the day-0 reminder once, in the customer’s language, with the amount in their currency', async () => {
    const start = Date.UTC(2026, 2, 2, 5); // 06:00 in Berlin: before contact hours
    const smtp = new SmtpChannel({ url: `smtp://127.0.0.1:${port}`, from: 'Recoup <billing@example.com>' });
    world = await createWorld(start, { channels: new Map<string, Channel>([['email', smtp]]) });
    const customer = await world.customer({
      name: 'Grete Weber',
      email: 'grete@example.de',
      locale: 'de-DE',
      timeZone: 'Europe/Berlin',
    });
    await world.method(customer, 'tok_sim_insufficient_funds_never');
    await world.invoice(customer, { total: 123_456, currency: 'EUR', dueAt: start, failedAt: start });

    await world.advance(start); // opens the case; 06:00 local is outside 08:00–21:00, so nothing is sent yet
    expect(received).toHaveLength(0);
    for (let t = start + HOUR; t <= start + 6 * HOUR; t += HOUR) await world.advance(t);

    expect(received).toHaveLength(1);
    const mail = received[0]!;
    expect(mail.to).toEqual(['grete@example.de']);
    const headers = parseHeaders(mail.raw);
    expect(decodeEncodedWords(headers.get('subject')!)).toBe(
      'Ihre Zahlung an Recoup Demo Co. konnte nicht verarbeitet werden',
    );
    expect(headers.get('list-unsubscribe')).toMatch(
      /^<http:\/\/localhost:4000\/pay\/case_\w+\/unsubscribe>$/,
    );
    const text = bodies(mail.raw)
      .get('text/plain')!
      .replace(/[\u00a0\u202f]/g, ' ');
    expect(text).toContain('1.234,56 €');
    expect(text).toMatch(/http:\/\/localhost:4000\/pay\/case_\w+/);
    const stored = await world.runtime.database.db
      .selectFrom('messages')
      .selectAll()
      .executeTakeFirstOrThrow();
    expect(stored).toMatchObject({
      status: 'sent',
      locale: 'de',
      channel: 'email',
      created_at: start + 2 * HOUR, // 08:00 in Berlin (CET, UTC+1)
    });
    expect(headers.get('message-id')).toContain(stored.id);
    // The server's acceptance is kept, for a person looking for the message in its log.
    expect(stored.provider_id).toBe(headers.get('message-id'));
    expect(stored.provider_response).toMatch(/^250 /);
    await smtp.close?.();
  });
});
