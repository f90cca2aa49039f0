import { mkdirSync, readFileSync } from 'node:fs';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seriousA11yViolations } from '../support/browser.ts';
import { type DashboardWorld, createDashboardWorld } from '../support/dashboard.ts';

let dash: DashboardWorld;
beforeAll(async () => {
  dash = await createDashboardWorld();
});
afterAll(async () => dash?.close());

const SCREENSHOTS = 'docs/screenshots';
const TEMPLATE = 'payment-failed';

interface Rendered {
  subject: string;
  text: string;
  html: string;
  locale: string;
}

/** What the API renders for the stored template in a locale: the ground truth the page must show. */
async function apiPreview(locale: string): Promise<Rendered> {
  const res = await dash.api.call(
    { scope: 'admin' },
    { method: 'POST', url: '/v1/templates/preview', body: { name: TEMPLATE, locale } },
  );
  expect(res.statusCode).toBe(200);
  return res.json();
}

/** Waits until the preview pane shows a finished render for `locale` (or an error for it). */
async function previewSettled(page: Page, locale: string, state: 'ready' | 'error' = 'ready'): Promise<void> {
  await page
    .locator(`[data-testid="template-preview"][data-locale="${locale}"][data-state="${state}"]`)
    .waitFor({ timeout: 30_000 });
}

describe('templates in the dashboard', () => {
  it('lists the templates with their locales and exports the list as CSV', async () => {
    const { context, page } = await dash.signedIn('viewer');
    await page.goto('/templates');
    await page.getByRole('table', { name: 'Email templates' }).waitFor();
    const [download] = await Promise.all([
      page.waitForEvent('download'),
      page.getByRole('button', { name: 'Export CSV' }).click(),
    ]);
    expect(download.suggestedFilename()).toBe('templates.csv');
    const lines = readFileSync(await download.path(), 'utf8')
      .trim()
      .split('\r\n');
    expect(lines[0]).toBe('Template,Locales,Sent by (policy and steps)');
    const listed = (await dash.api.call({ scope: 'admin' }, { method: 'GET', url: '/v1/templates' })).json();
    expect(lines.length - 1).toBe(listed.data.length);
    expect(lines.some((l) => l.startsWith(`${TEMPLATE},`))).toBe(true);
    expect(await seriousA11yViolations(page)).toEqual([]);
    await context.close();
  });

  it('previews a template in two locales, each exactly as the API renders it', async () => {
    const { context, page } = await dash.signedIn('manager');
    await page.goto('/templates');
    await page.getByRole('link', { name: TEMPLATE, exact: true }).click();
    await page.waitForURL(`**/templates/${TEMPLATE}`);
    await previewSettled(page, 'en');
    const en = await apiPreview('en');
    expect(await page.getByTestId('preview-text').textContent()).toBe(en.text);
    expect(await page.getByTestId('preview-subject').textContent()).toBe(en.subject);
    const frame = page.getByTestId('preview-html');
    expect(await frame.getAttribute('sandbox')).toBe('');
    expect(await frame.getAttribute('srcdoc')).toBe(en.html);
    expect(await frame.getAttribute('title')).toContain(en.subject);

    await page.getByLabel('Locale').selectOption('de');
    await previewSettled(page, 'de');
    const de = await apiPreview('de');
    expect(de.locale).toBe('de');
    expect(de.text).not.toBe(en.text);
    expect(await page.getByTestId('preview-text').textContent()).toBe(de.text);
    expect(await page.getByTestId('preview-subject').textContent()).toBe(de.subject);
    expect(await frame.getAttribute('srcdoc')).toBe(de.html);
    // The editor shows the German source the preview was rendered from.
    expect(await page.getByLabel('Subject (de)').inputValue()).toContain('{{');
    // A manager may save, but nothing is edited yet.
    expect(await page.getByRole('button', { name: 'Save', exact: true }).isDisabled()).toBe(true);
    expect(await seriousA11yViolations(page)).toEqual([]);
    mkdirSync(SCREENSHOTS, { recursive: true });
    await page.screenshot({ path: `${SCREENSHOTS}/template-preview.png`, fullPage: false });
    await context.close();
  });

  it('shows a Liquid syntax error inline, saying where and what to fix, and recovers on undo', async () => {
    const { context, page } = await dash.signedIn('manager');
    await page.goto(`/templates/${TEMPLATE}?locale=en`);
    await previewSettled(page, 'en');
    const body = page.getByLabel('Plain-text body (en)');
    await body.fill('Hello {{ customer.name }},\n{% if daysOverdue > 2 %}You are late.');
    await previewSettled(page, 'en', 'error');
    const alert = page.getByTestId('template-preview').getByRole('alert');
    const said = await alert.textContent();
    expect(said).toContain('Plain-text body');
    expect(said).toContain('Line 2, column 1');
    expect(said).toContain('not closed');
    expect(said).toContain('{% endif %}');
    expect(await body.getAttribute('aria-invalid')).toBe('true');
    expect(await seriousA11yViolations(page)).toEqual([]);

    // A fixed edit renders from the inline source, with the edit in it.
    await body.fill('Hello {{ customer.name }},\n{% if daysOverdue > 2 %}You are late.{% endif %}');
    await previewSettled(page, 'en');
    expect(await page.getByTestId('preview-text').textContent()).toBe('Hello Ada Lovelace,\nYou are late.');
    await page.getByRole('button', { name: 'Undo edits in en' }).click();
    await previewSettled(page, 'en');
    expect(await page.getByTestId('preview-text').textContent()).toBe((await apiPreview('en')).text);
    await context.close();
  });

  it('saves an edit that survives a reload, asks before leaving unsaved edits, resets to shipped; agents cannot save', async () => {
    const name = 'payment-urgent';
    const history = async () =>
      (
        await dash.api.call(
          { scope: 'admin' },
          { method: 'GET', url: `/v1/templates/${name}/locales/en/versions` },
        )
      ).json().data as { version: number; kind: string }[];
    const shipped = (await dash.api.call({ scope: 'admin' }, { method: 'GET', url: `/v1/templates/${name}` }))
      .json()
      .sources.find((s: { locale: string }) => s.locale === 'en');
    const { context, page } = await dash.signedIn('manager');
    await page.goto(`/templates/${name}?locale=en`);
    await previewSettled(page, 'en');
    const save = page.getByRole('button', { name: 'Save', exact: true });
    expect(await save.isDisabled()).toBe(true);
    const subject = page.getByLabel('Subject (en)');
    const text = page.getByLabel('Plain-text body (en)');

    // Text that does not render is refused, named next to its field, and nothing is stored.
    await text.fill('Hello {{ customer.name }},\n{% if daysOverdue > 2 %}You are late.');
    await save.click();
    await page.getByText('Line 2, column 1').first().waitFor();
    expect(await text.getAttribute('aria-invalid')).toBe('true');
    expect(await history()).toEqual([]);

    // Saved from the keyboard, then still there after a reload: the page reads it back from the server.
    await text.fill('Hello {{ customer.name }},\n{% if daysOverdue > 2 %}You are late.{% endif %}');
    await subject.fill('Overdue: {{ amountDue | money }}');
    await save.focus();
    await page.keyboard.press('Enter');
    await page.getByText(`Saved ${name} (en) as version 1`).waitFor();
    await page.reload();
    await previewSettled(page, 'en');
    expect(await subject.inputValue()).toBe('Overdue: {{ amountDue | money }}');
    expect(await page.getByTestId('preview-text').textContent()).toBe('Hello Ada Lovelace,\nYou are late.');
    expect(await page.getByTestId('preview-subject').textContent()).toBe('Overdue: €49.00');
    await page.getByText('edited · v1').waitFor();
    await page.getByRole('table', { name: '1 saved version, newest first' }).waitFor();
    expect(await history()).toMatchObject([{ version: 1, kind: 'edit' }]);
    expect(await save.isDisabled()).toBe(true);
    expect(await seriousA11yViolations(page)).toEqual([]);
    mkdirSync(SCREENSHOTS, { recursive: true });
    await page.screenshot({ path: `${SCREENSHOTS}/template-editor.png`, fullPage: false });

    // Leaving with unsaved edits asks first; staying keeps them.
    await subject.fill('Not saved yet');
    await page.getByLabel('Breadcrumb').getByRole('link', { name: 'Templates' }).click();
    const leave = page.getByRole('dialog', { name: 'Leave without saving?' });
    await leave.waitFor();
    // Judged once it has faded in: mid-transition, every colour is a blend.
    await page.waitForFunction(
      () =>
        (globalThis as unknown as { document: { getAnimations(): unknown[] } }).document.getAnimations()
          .length === 0,
    );
    expect(await seriousA11yViolations(page)).toEqual([]);
    await leave.getByRole('button', { name: 'Stay and keep editing' }).click();
    await leave.waitFor({ state: 'hidden' });
    expect(new URL(page.url()).pathname).toBe(`/templates/${name}`);
    expect(await subject.inputValue()).toBe('Not saved yet');

    // A reset, once confirmed, brings the shipped text back and is kept in the history.
    await page.getByRole('button', { name: 'Reset to shipped' }).click();
    const confirm = page.getByRole('dialog', { name: `Reset ${name} (en) to the shipped file?` });
    await confirm.getByRole('button', { name: 'Reset to shipped' }).click();
    await page.getByText(`${name} (en) is the shipped file again`).waitFor();
    await previewSettled(page, 'en');
    // A one-line field drops the file's final newline.
    expect(await subject.inputValue()).toBe(shipped.subject.trim());
    await page.getByText('shipped file', { exact: true }).waitFor();
    expect(await history()).toMatchObject([
      { version: 2, kind: 'reset' },
      { version: 1, kind: 'edit' },
    ]);
    // Nothing is unsaved now: leaving does not ask.
    await page.getByLabel('Breadcrumb').getByRole('link', { name: 'Templates' }).click();
    await page.getByRole('table', { name: 'Email templates' }).waitFor();
    await context.close();

    const agent = await dash.signedIn('agent');
    await agent.page.goto(`/templates/${name}?locale=en`);
    await previewSettled(agent.page, 'en');
    await agent.page.getByText('View only').waitFor();
    expect(await agent.page.getByRole('button', { name: 'Save', exact: true }).count()).toBe(0);
    expect(await agent.page.getByRole('button', { name: 'Reset to shipped' }).count()).toBe(0);
    await agent.context.close();
  });

  it('sends a test message for a manager, and offers a viewer no send button', async () => {
    const manager = await dash.signedIn('manager');
    await manager.page.goto(`/templates/${TEMPLATE}?locale=fr`);
    await previewSettled(manager.page, 'fr');
    await manager.page.getByLabel('Send to').fill('qa@example.com');
    await manager.page.getByRole('button', { name: 'Send a test message' }).click();
    await manager.page.getByText('Test message sent').waitFor();
    await manager.context.close();

    const viewer = await dash.signedIn('viewer');
    await viewer.page.goto(`/templates/${TEMPLATE}`);
    await previewSettled(viewer.page, 'en');
    expect(await viewer.page.getByRole('button', { name: 'Send a test message' }).count()).toBe(0);
    // The browser's sign-in on the simulated clock expired the API world's own sessions: sign in again.
    await dash.api.signIn('viewer');
    const refused = await dash.api.call(
      { role: 'viewer' },
      {
        method: 'POST',
        url: '/v1/templates/test-send',
        body: { template: TEMPLATE, locale: 'en', channel: 'email', to: 'qa@example.com' },
      },
    );
    expect(refused.statusCode).toBe(403);
    await viewer.context.close();
  });
});
