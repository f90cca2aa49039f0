import { mkdirSync } from 'node:fs';
import type { Locator, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { diffPolicies } from '../../web/src/pages/policies/diff.ts';
import type { PolicyDocument } from '../../web/src/pages/policies/types.ts';
import { seriousA11yViolations } from '../support/browser.ts';
import { type DashboardWorld, createDashboardWorld } from '../support/dashboard.ts';

const SCREENSHOTS = new URL('../../docs/screenshots/', import.meta.url);

let dash: DashboardWorld;
beforeAll(async () => {
  dash = await createDashboardWorld();
}, 300_000);
afterAll(async () => dash?.close());

/** The editor's fieldset for the step at `position` (1-based). */
const step = (page: Page, position: number): Locator =>
  page.getByRole('group', { name: new RegExp(`^Step ${position} · `) });

/** The ids of the elements that describe an input (its description and, when invalid, its error). */
const describedBy = (input: Locator) =>
  input.evaluate((el) =>
    (el.getAttribute('aria-describedby') ?? '')
      .split(/\s+/)
      .map((id: string) => el.ownerDocument.getElementById(id)?.textContent ?? '')
      .join(' | '),
  );

/** The accessible label of the focused element. */
const focusedLabel = (page: Page) => page.locator(':focus').getAttribute('aria-label');

const waitUntilValid = (page: Page) =>
  page
    .getByTestId('validation-status')
    .filter({ hasText: 'The draft is valid.' })
    .waitFor({ timeout: 30_000 });

describe('the policy diff', () => {
  const base: PolicyDocument = {
    name: 'p',
    anchor: 'first_failure',
    steps: [
      { id: 'a', offset: 'PT0S', action: 'remind', channel: 'email', template: 'payment-failed' },
      { id: 'b', offset: 'P1D', action: 'retry' },
      { id: 'c', offset: 'P3D', action: 'retry' },
    ],
  };

  it('names added, removed, changed and moved steps field by field', () => {
    const next: PolicyDocument = {
      ...base,
      description: 'new',
      steps: [
        { id: 'c', offset: 'P3D', action: 'retry', when: { declineClass: ['soft'] } },
        { id: 'a', offset: 'PT0S', action: 'remind', channel: 'email', template: 'payment-urgent' },
        { id: 'd', offset: 'P5D', action: 'cancel' },
      ],
    };
    const diff = diffPolicies(base, next);
    expect(diff.identical).toBe(false);
    expect(diff.policy).toEqual([{ field: 'description', before: null, after: 'new' }]);
    // A removed step is listed just before the step that followed it in the older version.
    expect(diff.steps).toEqual([
      { kind: 'removed', id: 'b', position: 2, step: base.steps[1] },
      {
        kind: 'changed',
        id: 'c',
        from: 3,
        to: 1,
        moved: true,
        fields: [{ field: 'when.declineClass', before: null, after: 'soft' }],
      },
      {
        kind: 'changed',
        id: 'a',
        from: 1,
        to: 2,
        moved: true,
        fields: [{ field: 'template', before: 'payment-failed', after: 'payment-urgent' }],
      },
      { kind: 'added', id: 'd', position: 3, step: next.steps[2] },
    ]);
    expect(diffPolicies(base, structuredClone(base)).identical).toBe(true);
  });
});

describe('the policies pages', () => {
  it('lets a manager edit a step, see inline errors, save a new version and see it in the diff', async () => {
    const { context, page } = await dash.signedIn('manager');
    await page.goto('/policies');
    await page.getByRole('link', { name: 'card-subscription' }).waitFor();
    expect(await page.getByRole('button', { name: 'Export CSV' }).count()).toBe(1);
    expect(await seriousA11yViolations(page)).toEqual([]);

    await page.getByRole('link', { name: 'card-subscription' }).click();
    await page.waitForURL('**/policies/card-subscription');
    await page.getByRole('heading', { name: 'Steps of v1' }).waitFor();
    await page.getByRole('cell', { name: 'retry-1' }).waitFor();
    expect(await seriousA11yViolations(page)).toEqual([]);

    await page.getByRole('link', { name: 'Edit as new version' }).click();
    await page.waitForURL('**/policies/card-subscription/edit?from=1');
    await waitUntilValid(page);

    // An offset that is not a duration: the error sits on that step's Offset input, not just in a summary.
    const offset = step(page, 2).getByRole('textbox', { name: 'Offset' });
    expect(await offset.inputValue()).toBe('P1D');
    await offset.fill('soon');
    await step(page, 2).getByText('expected an ISO 8601 duration').waitFor({ timeout: 30_000 });
    expect(await offset.getAttribute('aria-invalid')).toBe('true');
    expect(await describedBy(offset)).toContain('expected an ISO 8601 duration');
    expect(await step(page, 1).getByText('expected an ISO 8601 duration').count()).toBe(0);
    expect(await page.getByTestId('validation-errors').textContent()).toContain('Step 2 (retry-1), offset');
    expect(await page.getByRole('button', { name: 'Save as new version' }).isDisabled()).toBe(true);

    // An unknown template is named on the Template input of its step.
    await offset.fill('P2D');
    const template = step(page, 1).getByRole('combobox', { name: 'Template' });
    await template.fill('no-such-template');
    await step(page, 1).getByText("no template named 'no-such-template'").waitFor({ timeout: 30_000 });
    expect(await describedBy(template)).toContain("no template named 'no-such-template'");
    // A taller window for the picture, so the settings, the error summary and the first steps all show.
    await page.setViewportSize({ width: 1360, height: 1200 });
    await page.mouse.move(700, 300);
    await page.mouse.wheel(0, -5_000);
    await page.mouse.move(0, 0);
    mkdirSync(SCREENSHOTS, { recursive: true });
    await page.screenshot({ path: new URL('policy-editor.png', SCREENSHOTS).pathname });
    expect(await seriousA11yViolations(page)).toEqual([]);
    await template.fill('payment-failed');
    await page.keyboard.press('Escape');
    await waitUntilValid(page);

    // Reordering by keyboard: moving the day-0 reminder after the day-2 retry puts offsets out of time order.
    const down = step(page, 1).getByRole('button', { name: /^Move down/ });
    await down.focus();
    await page.keyboard.press('Enter');
    await step(page, 2).getByText("comes before the previous step's").waitFor({ timeout: 30_000 });
    expect(await step(page, 2).getByRole('textbox', { name: 'Step id' }).inputValue()).toBe('remind-day-0');
    // Focus follows the moved step, so the way back is one Shift+Tab away.
    expect(await focusedLabel(page)).toContain('remind-day-0');
    await page.keyboard.press('Shift+Tab');
    expect(await focusedLabel(page)).toBe('Move up step 2 (remind-day-0)');
    await page.keyboard.press('Enter');
    expect(await step(page, 1).getByRole('textbox', { name: 'Step id' }).inputValue()).toBe('remind-day-0');
    await waitUntilValid(page);
    expect(await page.getByTestId('diff-changed').textContent()).toContain('retry-1');

    await page.getByRole('button', { name: 'Save as new version' }).click();
    await page.waitForURL('**/policies/card-subscription?version=2&from=1&to=2');

    const versions = await dash.api.call(
      { scope: 'admin' },
      { method: 'GET', url: '/v1/policies/card-subscription/versions' },
    );
    expect(versions.statusCode).toBe(200);
    const [newest] = versions.json().data;
    expect(newest).toMatchObject({ id: 'card-subscription@2', version: 2, current: true });
    const saved = await dash.api.call(
      { scope: 'admin' },
      { method: 'GET', url: '/v1/policy-versions/card-subscription@2' },
    );
    const steps = saved.json().document.steps as { id: string; offset: string; template?: string }[];
    expect(steps[0]).toMatchObject({ id: 'remind-day-0', template: 'payment-failed' });
    expect(steps[1]).toMatchObject({ id: 'retry-1', offset: 'P2D' });

    // The policy page opens on the new version with the diff against the one it was based on.
    const changed = page.getByTestId('diff-changed');
    await changed.waitFor();
    expect(await page.getByTestId('diff-summary').textContent()).toContain('1 changed');
    const text = await changed.textContent();
    expect(text).toContain('retry-1');
    expect(text).toContain('P1D');
    expect(text).toContain('P2D');
    await page.getByRole('button', { name: 'Activate v1' }).waitFor();
    expect(await seriousA11yViolations(page)).toEqual([]);
    await context.close();
  }, 300_000);

  it('shows an agent the policy read-only, and the API refuses an agent a new version', async () => {
    const { context, page } = await dash.signedIn('agent');
    await page.goto('/policies/card-subscription');
    await page.getByRole('heading', { name: /^Steps of v/ }).waitFor();
    await page.getByRole('cell', { name: 'retry-1' }).first().waitFor();
    expect(await page.getByRole('link', { name: 'Edit as new version' }).count()).toBe(0);
    expect(await page.getByRole('button', { name: /^Activate/ }).count()).toBe(0);
    expect(await seriousA11yViolations(page)).toEqual([]);

    await page.goto('/policies/card-subscription/edit');
    await page.getByText('View only').waitFor();
    expect(await page.getByRole('textbox').count()).toBe(0);
    expect(await page.getByRole('button', { name: 'Save as new version' }).count()).toBe(0);
    expect(await page.getByRole('button', { name: /^Move/ }).count()).toBe(0);
    await context.close();

    // The world's API sessions date from before the simulated month, so sign in again at today's clock.
    await dash.api.signIn('agent');
    const current = await dash.api.call(
      { scope: 'admin' },
      { method: 'GET', url: '/v1/policy-versions/card-subscription@1' },
    );
    const source = JSON.stringify({ ...current.json().document, description: 'agent edit' });
    const refused = await dash.api.call(
      { role: 'agent' },
      { method: 'POST', url: '/v1/policies', body: { source, format: 'json' } },
    );
    expect(refused.statusCode).toBe(403);
    const activate = await dash.api.call(
      { role: 'agent' },
      { method: 'POST', url: '/v1/policy-versions/card-subscription@1/activate' },
    );
    expect(activate.statusCode).toBe(403);
  }, 300_000);
});
