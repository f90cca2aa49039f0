import { mkdirSync, mkdtempSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  DEFAULT_TEMPLATE_ROOT,
  type TemplateContext,
  TemplateNotFoundError,
  TemplateRenderer,
} from '../../src/channels/templates/renderer.ts';
import { formatMoney } from '../../src/domain/money.ts';

const renderer = new TemplateRenderer({ root: DEFAULT_TEMPLATE_ROOT });
const locales = ['en', 'de', 'fr', 'es'] as const;
const currencyOf = { en: 'USD', de: 'EUR', fr: 'EUR', es: 'EUR' } as const;
// NBSP and narrow NBSP differ between locales; compare text with plain spaces.
const spaces = (text: string): string => text.replace(/[\u00a0\u202f]/g, ' ');

function sampleContext(currency: string, overrides: Partial<TemplateContext> = {}): TemplateContext {
  return {
    business: { name: 'Acme Cloud', supportEmail: 'billing@acme.example' },
    customer: { name: 'Dana Müller', email: 'dana@example.com' },
    amountDue: { amount: 123456, currency },
    invoices: [
      { number: 'INV-2026-001', amount: 100000, currency, dueAt: Date.parse('2026-03-15T12:00:00Z') },
      { number: 'INV-2026-002', amount: 23456, currency, dueAt: Date.parse('2026-04-15T12:00:00Z') },
    ],
    payLink: 'https://pay.acme.example/c/case_1',
    updatePaymentLink: 'https://pay.acme.example/c/case_1/method',
    unsubscribeLink: 'https://pay.acme.example/c/case_1/unsubscribe',
    declineClass: 'soft',
    daysOverdue: 9,
    ...overrides,
  };
}

const expectedTemplates = [
  'invoice-due',
  'invoice-final-notice',
  'invoice-overdue',
  'invoice-overdue-firm',
  'invoice-upcoming',
  'payment-failed',
  'payment-final-notice',
  'payment-retry-reminder',
  'payment-urgent',
];

describe('default email templates', () => {
  it('lists every shipped template', () => {
    expect(renderer.list()).toEqual(expectedTemplates);
  });

  for (const template of expectedTemplates) {
    for (const locale of locales) {
      it(`${template} renders in ${locale}`, async () => {
        const currency = currencyOf[locale];
        const ctx = sampleContext(currency);
        const message = await renderer.render(template, locale, ctx, 'Europe/Berlin');
        const amount = spaces(formatMoney(123456, currency, locale));
        if (locale === 'en') expect(amount).toBe('$1,234.56');
        if (locale === 'de') expect(amount).toBe('1.234,56 €');

        expect(message.locale).toBe(locale);
        expect(message.subject.length).toBeGreaterThan(5);
        expect(message.subject).not.toMatch(/\n/);
        for (const body of [message.text, message.html]) {
          expect(body).not.toMatch(/\{\{|\{%/);
          expect(body).toContain(ctx.payLink);
          expect(body).toContain(ctx.unsubscribeLink);
          expect(body).toContain('Dana Müller');
          expect(spaces(body)).toContain(amount);
        }
        expect(message.html).toMatch(new RegExp(`^<!DOCTYPE html>\\s*<html lang="${locale}">`));
        expect(message.html).toContain('<title>');
        expect(message.text).not.toMatch(/<[a-z]/i);
        expect(message.text).not.toMatch(/\n{3,}/);

        if (template.startsWith('invoice-')) {
          for (const body of [message.text, message.html]) {
            expect(body).toContain('INV-2026-001');
            expect(body).toContain('INV-2026-002');
            expect(spaces(body)).toContain(spaces(formatMoney(23456, currency, locale)));
          }
          const due = new Intl.DateTimeFormat(locale, {
            dateStyle: 'long',
            timeZone: 'Europe/Berlin',
          }).format(Date.parse('2026-03-15T12:00:00Z'));
          expect(message.text).toContain(due);
          expect(message.html).toContain('<th scope="col"');
        }
      });
    }
  }

  it('asks for new card details only when the decline needs the customer to act', async () => {
    const soft = await renderer.render('payment-failed', 'en', sampleContext('USD'), 'UTC');
    const action = await renderer.render(
      'payment-failed',
      'en',
      sampleContext('USD', { declineClass: 'action_required' }),
      'UTC',
    );
    expect(soft.text).not.toContain('https://pay.acme.example/c/case_1/method');
    expect(action.text).toContain('Update payment details: https://pay.acme.example/c/case_1/method');
    expect(action.html).toContain('href="https://pay.acme.example/c/case_1/method"');
  });

  it('shows due dates in the customer’s time zone', async () => {
    const ctx = sampleContext('USD', {
      invoices: [{ number: 'A-1', amount: 500, currency: 'USD', dueAt: Date.parse('2026-03-15T23:30:00Z') }],
    });
    const tokyo = await renderer.render('invoice-due', 'en', ctx, 'Asia/Tokyo');
    const newYork = await renderer.render('invoice-due', 'en', ctx, 'America/New_York');
    expect(tokyo.text).toContain('due March 16, 2026');
    expect(newYork.text).toContain('due March 15, 2026');
  });

  it('escapes customer data in HTML but not in plain text', async () => {
    const ctx = sampleContext('USD', { customer: { name: '<script>alert(1)</script> & Co', email: null } });
    const message = await renderer.render('payment-urgent', 'en', ctx, 'UTC');
    expect(message.html).not.toContain('<script>');
    expect(message.html).toContain('&lt;script&gt;alert(1)&lt;/script&gt; &amp; Co');
    expect(message.text).toContain('Hello <script>alert(1)</script> & Co,');
  });
});

describe('locale fallback', () => {
  it('falls back from a region to its language and keeps the region’s number format', async () => {
    const message = await renderer.render('payment-failed', 'de-AT', sampleContext('EUR'), 'Europe/Vienna');
    expect(message.locale).toBe('de');
    expect(message.text).toContain('Guten Tag');
    expect(message.text).toContain(formatMoney(123456, 'EUR', 'de-AT'));
  });

  it('falls back to English for an unknown language', async () => {
    for (const locale of ['xx', 'pt-BR', 'not a locale!']) {
      const message = await renderer.render('payment-failed', locale, sampleContext('EUR'), 'UTC');
      expect(message.locale).toBe('en');
      expect(message.text).toContain('€1,234.56');
    }
  });

  it('reports a missing template and an unknown time zone', async () => {
    await expect(
      renderer.render('no-such-template', 'en', sampleContext('USD'), 'UTC'),
    ).rejects.toBeInstanceOf(TemplateNotFoundError);
    await expect(
      renderer.render('../payment-failed', 'en', sampleContext('USD'), 'UTC'),
    ).rejects.toBeInstanceOf(TemplateNotFoundError);
    await expect(renderer.render('payment-failed', 'en', sampleContext('USD'), 'Mars/Base')).rejects.toThrow(
      RangeError,
    );
    expect(renderer.has('payment-failed', 'de')).toBe(true);
    expect(renderer.has('payment-failed', 'de-AT')).toBe(false);
  });
});

describe('sandbox', () => {
  function rootWith(files: Record<string, string>): string {
    const root = mkdtempSync(join(tmpdir(), 'recoup-templates-'));
    for (const [path, content] of Object.entries(files)) {
      mkdirSync(join(root, path, '..'), { recursive: true });
      writeFileSync(join(root, path), content);
    }
    return root;
  }
  const plain = { 'x/en/subject.liquid': 'S', 'x/en/text.liquid': 'T', 'x/en/html.liquid': 'H' };

  it('hides prototype properties such as constructor', async () => {
    const root = rootWith({
      ...plain,
      'x/en/text.liquid':
        '[{{ business.constructor }}][{{ business.constructor.name }}][{{ business.__proto__ }}][{{ payLink.constructor }}]',
    });
    const message = await new TemplateRenderer({ root }).render('x', 'en', sampleContext('USD'), 'UTC');
    expect(message.text).toBe('[][][][]');
  });

  it('cannot include files outside the template root', async () => {
    const root = rootWith({ ...plain, 'x/en/text.liquid': "{% include '/etc/passwd' %}" });
    symlinkSync('/etc/passwd', join(root, 'passwd-link.liquid'));
    const attempts = [
      "{% include '/etc/passwd' %}",
      "{% render '../../../../../../../etc/passwd' %}",
      "{% layout '/etc/passwd' %}",
      "{% include 'passwd-link.liquid' %}",
    ];
    for (const attempt of attempts) {
      writeFileSync(join(root, 'x/en/text.liquid'), attempt);
      const result = await new TemplateRenderer({ root })
        .render('x', 'en', sampleContext('USD'), 'UTC')
        .then((message) => message.text)
        .catch((error: Error) => error.message);
      expect(result).not.toMatch(/root:/);
      expect(result).toMatch(/Failed to lookup/);
    }
  });

  it('rejects unknown filters', async () => {
    const root = rootWith({ ...plain, 'x/en/text.liquid': '{{ payLink | shell }}' });
    await expect(
      new TemplateRenderer({ root }).render('x', 'en', sampleContext('USD'), 'UTC'),
    ).rejects.toThrow(/undefined filter/);
  });
});
