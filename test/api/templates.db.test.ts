import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listOutbox } from '../../src/channels/email/outbox-channel.ts';
import { type ApiWorld, type Caller, createApiWorld } from '../support/api.ts';
import { TEST_DB } from '../support/databases.ts';

let api: ApiWorld;
beforeAll(async () => {
  api = await createApiWorld();
});
afterAll(async () => api?.close());

const VIEWER: Caller = { role: 'viewer' };

function preview(body: Record<string, unknown>) {
  return api.call(VIEWER, { method: 'POST', url: '/v1/templates/preview', body });
}

async function problemFields(body: Record<string, unknown>): Promise<string[]> {
  const res = await preview(body);
  expect(res.statusCode, res.body).toBe(400);
  expect(res.headers['content-type']).toContain('application/problem+json');
  return res.json().errors.map((e: { field: string }) => e.field);
}

describe(`templates API on ${TEST_DB}`, () => {
  it('lists templates with their locales and the current policies that send them', async () => {
    const res = await api.call(VIEWER, { method: 'GET', url: '/v1/templates' });
    expect(res.statusCode, res.body).toBe(200);
    const byName = new Map(res.json().data.map((t: { name: string }) => [t.name, t]));
    expect(byName.get('payment-failed')).toEqual({
      name: 'payment-failed',
      locales: ['de', 'en', 'es', 'fr'],
      locale_states: ['de', 'en', 'es', 'fr'].map((locale) => ({
        locale,
        state: 'shipped',
        version: null,
        shipped_file: true,
      })),
      used_by: [{ policy: 'card-subscription', version_id: 'card-subscription@1', steps: ['remind-day-0'] }],
    });
    expect(byName.get('invoice-due')).toMatchObject({ used_by: [{ policy: 'b2b-invoice' }] });
    expect([...byName.keys()].some((name) => (name as string).startsWith('_'))).toBe(false);
  });

  it('shows a template’s text in every locale', async () => {
    const res = await api.call(VIEWER, { method: 'GET', url: '/v1/templates/payment-failed' });
    expect(res.statusCode, res.body).toBe(200);
    const de = res.json().sources.find((s: { locale: string }) => s.locale === 'de');
    expect(de.subject).toContain('Ihre Zahlung an {{ business.name }}');
    expect(de.html).toContain("{% layout '_layout.html.liquid' %}");
    const missing = await api.call(VIEWER, { method: 'GET', url: '/v1/templates/no-such-template' });
    expect(missing.statusCode).toBe(404);
    expect(missing.json().errors[0].field).toBe('path.name');
    const bad = await api.call(VIEWER, { method: 'GET', url: '/v1/templates/..%2Fsecrets' });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().errors[0].field).toBe('path.name');
  });

  it('renders a stored template in two locales differently, with money and dates in each', async () => {
    const data = { customer_name: 'Grete Huber', amount_due: 4_990, currency: 'EUR' };
    const en = await preview({ name: 'payment-failed', locale: 'en-US', data });
    const de = await preview({ name: 'payment-failed', locale: 'de-AT', time_zone: 'Europe/Vienna', data });
    expect(en.statusCode, en.body).toBe(200);
    expect(de.statusCode, de.body).toBe(200);
    expect(en.json().locale).toBe('en');
    expect(de.json().locale).toBe('de');
    expect(en.json().subject).toBe("We couldn't process your payment to Recoup Demo Co.");
    expect(de.json().subject).toBe('Ihre Zahlung an Recoup Demo Co. konnte nicht verarbeitet werden');
    expect(en.json().text).toContain('Hello Grete Huber');
    expect(en.json().text).toContain('€49.90');
    expect(de.json().text).toContain('Guten Tag Grete Huber');
    expect(de.json().text).toMatch(/€\s49,90/); // Austrian format: the customer's own locale, in a 'de' template
    expect(de.json().html).toContain('<html');
    // A name is escaped in HTML: sample data cannot inject markup.
    const hostile = await preview({
      name: 'payment-failed',
      locale: 'en',
      data: { customer_name: '<script>alert(1)</script>' },
    });
    expect(hostile.json().html).not.toContain('<script>alert(1)</script>');
    expect(hostile.json().html).toContain('&lt;script&gt;');
  });

  it('renders inline template text with the shipped layouts, filters and partials', async () => {
    const res = await preview({
      source: {
        subject: 'Noch {{ amountDue | money }} offen',
        text: 'Hallo {{ customer.name }}, fällig seit {{ daysOverdue }} Tagen.',
        html: "{% layout '_layout.html.liquid' %}{% block content %}<p>{{ customer.name }}</p>{% endblock %}",
      },
      locale: 'de',
      data: { customer_name: 'Jonas', amount_due: 1_250, currency: 'EUR', days_overdue: 9 },
    });
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json()).toMatchObject({
      subject: 'Noch 12,50 € offen',
      text: 'Hallo Jonas, fällig seit 9 Tagen.',
      locale: 'de',
    });
    expect(res.json().html).toContain('<p>Jonas</p>');
  });

  it('names the field at fault when a preview cannot render', async () => {
    const parts = { subject: 'Hi', text: 'Hi', html: '<p>Hi</p>' };
    expect(await problemFields({ name: 'no-such-template', locale: 'en' })).toEqual(['body.name']);
    expect(await problemFields({ locale: 'en' })).toEqual(['body.name']);
    expect(await problemFields({ name: 'payment-failed', source: parts, locale: 'en' })).toEqual([
      'body.name',
    ]);
    expect(
      await problemFields({ source: { ...parts, html: '{% if customer.name %}<p>unclosed' }, locale: 'en' }),
    ).toEqual(['body.source.html']);
    expect(
      await problemFields({ source: { ...parts, subject: '{{ 1 | teleport }}' }, locale: 'en' }),
    ).toEqual(['body.source.subject']);
    expect(
      await problemFields({
        source: { ...parts, text: "{% include '../../../etc/passwd' %}" },
        locale: 'en',
      }),
    ).toEqual(['body.source.text']);
    expect(await problemFields({ name: 'payment-failed', locale: 'en', time_zone: 'Mars/Olympus' })).toEqual([
      'body.time_zone',
    ]);
    expect(await problemFields({ name: 'payment-failed', locale: 'not a locale' })).toContain('body.locale');
    expect(await problemFields({ name: 'payment-failed', locale: 'en', data: { amount_due: -5 } })).toContain(
      'body.data.amount_due',
    );
  });

  it('test-sends a template with the preview’s sample data, [TEST] before the subject, recording no message', async () => {
    const db = api.world.runtime.database.db;
    const messages = async () =>
      Number(
        (
          await db
            .selectFrom('messages')
            .select((eb) => eb.fn.countAll<number>().as('n'))
            .executeTakeFirstOrThrow()
        ).n,
      );
    const before = await messages();
    const send = (body: Record<string, unknown>, caller: Caller = { role: 'manager' }) =>
      api.call(caller, { method: 'POST', url: '/v1/templates/test-send', body });
    const body = { template: 'payment-failed', locale: 'de-AT', channel: 'email', to: 'ops@example.com' };
    const res = await send(body);
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json()).toEqual({ message_id: expect.stringMatching(/^msg_/), recipient: 'ops@example.com' });
    // No SMTP server is configured here: the email channel captures it to the outbox folder.
    const mail = (await listOutbox(api.world.outbox)).find((e) => e.id === res.json().message_id);
    expect(mail).toMatchObject({
      to: 'ops@example.com',
      subject: '[TEST] Ihre Zahlung an Recoup Demo Co. konnte nicht verarbeitet werden',
    });
    expect(await messages()).toBe(before);

    const fields = async (override: Record<string, unknown>) => {
      const bad = await send({ ...body, ...override });
      expect(bad.statusCode, bad.body).toBe(400);
      return bad.json().errors.map((e: { field: string }) => e.field);
    };
    expect(await fields({ template: 'no-such-template' })).toEqual(['body.template']);
    expect(await fields({ locale: 'not a locale' })).toContain('body.locale');
    expect(await fields({ to: 'not-an-address' })).toContain('body.to');
    expect((await send(body, { role: 'agent' })).statusCode).toBe(403);
    expect((await send(body, VIEWER)).statusCode).toBe(403);
  });
});
