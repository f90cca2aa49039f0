import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApiKey } from '../../src/access/api-keys.ts';
import { buildApi } from '../../src/api/server.ts';
import type { Channel } from '../../src/channels/channel.ts';
import { SmtpChannel } from '../../src/channels/email/smtp-channel.ts';
import { TEST_DB } from '../support/databases.ts';
import { bodies } from '../support/mime.ts';
import { DAY, HOUR, type World, createWorld } from '../support/world.ts';
import { type CapturedMail, type SmtpCapture, startSmtpCapture } from '../support/smtp-capture.ts';

// Open and click tracking end to end: the engine sends its day-0 reminder over real SMTP, and the tracking URLs
// found in the HTML that arrived are requested from the API as a mail app and a reader would.

const PUBLIC_URL = 'https://recoup.example.test';
const received: CapturedMail[] = [];
let server: SmtpCapture;
let smtpUrl: string;
const worlds: World[] = [];
const apps: FastifyInstance[] = [];

beforeAll(async () => {
  server = await startSmtpCapture(received);
  smtpUrl = server.url;
});
afterAll(async () => {
  for (const app of apps) await app.close();
  for (const world of worlds) await world.close();
  await server.close();
});

/** A world whose email goes to the SMTP server above, with the API on it. */
async function open(emailTracking: boolean) {
  const smtp = new SmtpChannel({ url: smtpUrl, from: 'Recoup <billing@example.com>' });
  const world = await createWorld(Date.UTC(2026, 2, 2, 9), {
    channels: new Map<string, Channel>([['email', smtp]]),
    config: { publicUrl: PUBLIC_URL, emailTracking },
  });
  worlds.push(world);
  const app = await buildApi(world.runtime, { rateLimits: { perMinute: 1_000_000, loginPerMinute: 1_000 } });
  apps.push(app);
  return { world, app };
}

/** Opens a card case for a new customer; the tick sends the policy's day-0 reminder. Returns the case and mail. */
async function remind(world: World, email: string) {
  const customer = await world.customer({ email });
  await world.method(customer, 'tok_insufficient_funds');
  await world.invoice(customer, { total: 4_900, currency: 'USD', dueAt: world.clock.now() - DAY });
  await world.advance(world.clock.now());
  const db = world.runtime.database.db;
  const message = await db
    .selectFrom('messages')
    .selectAll()
    .where('customer_id', '=', customer)
    .where('channel', '=', 'email')
    .executeTakeFirstOrThrow();
  const mails = received.filter((m) => m.to.includes(email));
  expect(mails).toHaveLength(1);
  const parts = bodies(mails[0]!.raw);
  return { message, html: parts.get('text/html')!, text: parts.get('text/plain')! };
}

const decodeHtml = (s: string) => s.replace(/&amp;/g, '&').replace(/&quot;/g, '"');
const hrefsOf = (html: string) => [...html.matchAll(/href="([^"]*)"/g)].map((m) => decodeHtml(m[1]!));
const pixelOf = (html: string) => decodeHtml(/<img src="([^"]*\/t\/o\/[^"]*)"/.exec(html)![1]!);
/** The path and query the API serves a public URL at. */
const local = (url: string) => url.slice(PUBLIC_URL.length);

describe(`email open and click tracking over real SMTP on ${TEST_DB}`, () => {
  it('tracks the HTML part only, records the first open and the first click, and redirects only signed links', async () => {
    const { world, app } = await open(true);
    const db = world.runtime.database.db;
    const stamps = (id: string) =>
      db
        .selectFrom('messages')
        .select(['opened_at', 'clicked_at'])
        .where('id', '=', id)
        .executeTakeFirstOrThrow();
    const audited = async () =>
      Number(
        (
          await db
            .selectFrom('audit_log')
            .select((eb) => eb.fn.countAll().as('n'))
            .executeTakeFirstOrThrow()
        ).n,
      );
    const reader = (await createApiKey(db, { name: 'reader', scope: 'read', createdBy: null, now: 0 }))
      .secret;
    const getJson = async (url: string) => {
      const res = await app.inject({ method: 'GET', url, headers: { authorization: `Bearer ${reader}` } });
      expect(res.statusCode, res.body).toBe(200);
      return res.json();
    };
    const listed = async (query: string) =>
      ((await getJson(`/v1/messages?channel=email&${query}`)).data as { id: string }[]).map((m) => m.id);
    const auditRows = await audited();

    const first = await remind(world, 'ada@example.com');
    const payLink = `${world.runtime.deps.settings.payLinkBase}/${first.message.case_id}`;
    const unsubscribe = `${payLink}/unsubscribe`;
    // The pay link leads through the click redirect; the unsubscribe link and the plain-text part are untouched.
    const hrefs = hrefsOf(first.html);
    const redirects = hrefs.filter((h) => h.startsWith(`${PUBLIC_URL}/t/c/${first.message.id}.`));
    expect(redirects.map((h) => new URL(h).searchParams.get('u'))).toContain(payLink);
    expect(hrefs).not.toContain(payLink);
    expect(hrefs).toContain(unsubscribe);
    expect(first.text).toContain(payLink);
    expect(first.text).not.toContain('/t/');
    const pixel = pixelOf(first.html);
    expect(pixel).toMatch(new RegExp(`^${PUBLIC_URL}/t/o/${first.message.id}\\.[A-Za-z0-9_-]{22}$`));
    // The stored message is the HTML as rendered: showing it never counts as an open.
    expect(first.message.body_html).not.toContain('/t/');
    expect(await stamps(first.message.id)).toEqual({ opened_at: null, clicked_at: null });

    // The mail app loads the pixel: an uncacheable GIF, and the first open is recorded; a later one is not.
    const openedAt = world.clock.now();
    const gif = await app.inject({ method: 'GET', url: local(pixel) });
    expect(gif.statusCode).toBe(200);
    expect(gif.headers['content-type']).toBe('image/gif');
    expect(gif.headers['cache-control']).toBe('no-store');
    expect(gif.headers['cross-origin-resource-policy']).toBe('cross-origin');
    expect(gif.rawPayload.subarray(0, 6).toString('latin1')).toBe('GIF89a');
    expect(await stamps(first.message.id)).toEqual({ opened_at: openedAt, clicked_at: null });
    world.clock.set(openedAt + HOUR);
    expect((await app.inject({ method: 'GET', url: local(pixel) })).statusCode).toBe(200);
    expect(await stamps(first.message.id)).toEqual({ opened_at: openedAt, clicked_at: null });

    // The reader follows the pay link: a redirect to it, and the first click is recorded; the second is not.
    const payRedirect = local(redirects.find((h) => new URL(h).searchParams.get('u') === payLink)!);
    const clickedAt = world.clock.now();
    const click = await app.inject({ method: 'GET', url: payRedirect });
    expect(click.statusCode, click.body).toBe(302);
    expect(click.headers.location).toBe(payLink);
    expect(click.headers['cache-control']).toBe('no-store');
    expect(await stamps(first.message.id)).toEqual({ opened_at: openedAt, clicked_at: clickedAt });
    world.clock.set(clickedAt + HOUR);
    expect((await app.inject({ method: 'GET', url: payRedirect })).headers.location).toBe(payLink);
    expect(await stamps(first.message.id)).toEqual({ opened_at: openedAt, clicked_at: clickedAt });

    // A second reminder, never opened: forged and altered URLs record nothing, and never redirect.
    const second = await remind(world, 'grace@example.com');
    const secondPay = hrefsOf(second.html).find((h) =>
      h.startsWith(`${PUBLIC_URL}/t/c/${second.message.id}.`),
    )!;
    const url = new URL(secondPay);
    const token = url.pathname.slice('/t/c/'.length);
    const target = url.searchParams.get('u')!;
    const flipped = `${token.slice(0, -1)}${token.endsWith('A') ? 'B' : 'A'}`;
    const forged = [
      `/t/c/${token}?u=${encodeURIComponent('https://evil.example.com/')}`,
      `/t/c/${token}?u=${encodeURIComponent(`${target}&next=https://evil.example.com/`)}`,
      `/t/c/${flipped}?u=${encodeURIComponent(target)}`,
      `/t/c/${first.message.id}.${token.split('.')[1]}?u=${encodeURIComponent(target)}`,
      `/t/c/${token}?u=${encodeURIComponent('javascript:alert(1)')}`,
      `/t/c/not-a-token?u=${encodeURIComponent(target)}`,
    ];
    for (const path of forged) {
      const res = await app.inject({ method: 'GET', url: path });
      expect(res.statusCode, path).toBe(404);
      expect(res.headers['content-type']).toContain('application/problem+json');
      expect(res.headers.location).toBeUndefined();
      expect(res.json().errors[0].field).toBe('path.token');
    }
    const secondPixel = local(pixelOf(second.html));
    const badPixel = await app.inject({ method: 'GET', url: `${secondPixel.slice(0, -2)}xx` });
    expect(badPixel.statusCode).toBe(200);
    expect(badPixel.headers['content-type']).toBe('image/gif');
    expect(badPixel.rawPayload).toEqual(gif.rawPayload);
    // A link checker's HEAD gets the image but is not a reader opening the email.
    expect((await app.inject({ method: 'HEAD', url: secondPixel })).statusCode).toBe(200);
    expect(await stamps(second.message.id)).toEqual({ opened_at: null, clicked_at: null });

    // The API shows the stamps as instants, and its filters tell the opened and clicked message from the other.
    const iso = (ms: number) => new Date(ms).toISOString();
    expect(await getJson(`/v1/messages/${first.message.id}`)).toMatchObject({
      opened_at: iso(openedAt),
      clicked_at: iso(clickedAt),
    });
    expect(await getJson(`/v1/messages/${second.message.id}`)).toMatchObject({
      opened_at: null,
      clicked_at: null,
    });
    const firstListed = (await getJson(`/v1/messages?case_id=${first.message.case_id}`)).data;
    expect(firstListed).toEqual([
      expect.objectContaining({ id: first.message.id, opened_at: iso(openedAt), clicked_at: iso(clickedAt) }),
    ]);
    expect(await listed('opened=true')).toEqual([first.message.id]);
    expect(await listed('clicked=true')).toEqual([first.message.id]);
    expect(await listed('opened=false')).toEqual([second.message.id]);
    expect(await listed('clicked=false')).toEqual([second.message.id]);
    expect(await listed('')).toEqual([second.message.id, first.message.id]);
    const badFilter = await app.inject({
      method: 'GET',
      url: '/v1/messages?opened=maybe',
      headers: { authorization: `Bearer ${reader}` },
    });
    expect(badFilter.statusCode).toBe(400);
    expect(badFilter.json().errors[0].field).toBe('query.opened');

    // A click without an open (images blocked) counts as both.
    const now = world.clock.now();
    const blind = await app.inject({ method: 'GET', url: local(secondPay) });
    expect(blind.headers.location).toBe(target);
    expect(await stamps(second.message.id)).toEqual({ opened_at: now, clicked_at: now });

    // Each first open and first click is announced once; none of these requests is audited.
    const events = await db
      .selectFrom('outbox_events')
      .select(['type', 'case_id', 'payload'])
      .where('type', 'in', ['message.opened', 'message.clicked'])
      .orderBy('seq')
      .execute();
    expect(events.map((e) => [e.type, e.case_id, JSON.parse(e.payload).message_id])).toEqual([
      ['message.opened', first.message.case_id, first.message.id],
      ['message.clicked', first.message.case_id, first.message.id],
      ['message.opened', second.message.case_id, second.message.id],
      ['message.clicked', second.message.case_id, second.message.id],
    ]);
    expect(JSON.parse(events[0]!.payload)).toEqual({
      message_id: first.message.id,
      step_id: first.message.step_id,
      channel: 'email',
      template: first.message.template,
    });
    expect(await audited()).toBe(auditRows);

    // Under /t/ an unknown path is a problem, not the dashboard page.
    const unknown = await app.inject({ method: 'GET', url: '/t/x/whatever' });
    expect(unknown.statusCode).toBe(404);
    expect(unknown.headers['content-type']).toContain('application/problem+json');
  });

  it('never tracks a template test send', async () => {
    const { world, app } = await open(true);
    const db = world.runtime.database.db;
    const key = (await createApiKey(db, { name: 'ops', scope: 'write', createdBy: null, now: 0 })).secret;
    const res = await app.inject({
      method: 'POST',
      url: '/v1/templates/test-send',
      headers: { authorization: `Bearer ${key}` },
      payload: { template: 'payment-failed', locale: 'en', channel: 'email', to: 'designer@example.com' },
    });
    expect(res.statusCode, res.body).toBe(200);
    const html = bodies(received.find((m) => m.to.includes('designer@example.com'))!.raw).get('text/html')!;
    expect(hrefsOf(html).some((h) => h.startsWith('http'))).toBe(true);
    expect(html).not.toContain('/t/');
  });

  it('with RECOUP_EMAIL_TRACKING=off sends no pixel and leaves every link as it is', async () => {
    const { world } = await open(false);
    const { message, html } = await remind(world, 'untracked@example.com');
    expect(html).not.toContain('/t/o/');
    expect(html).not.toContain('/t/c/');
    expect(html).not.toMatch(/<img /);
    expect(hrefsOf(html)).toContain(`${world.runtime.deps.settings.payLinkBase}/${message.case_id}`);
    // Exactly the HTML as rendered and stored (SMTP carries it with CRLF line ends).
    expect(html.replace(/\r\n/g, '\n').trim()).toBe(message.body_html);
  });
});
