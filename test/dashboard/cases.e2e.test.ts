import { mkdirSync, readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seriousA11yViolations } from '../support/browser.ts';
import { type DashboardWorld, createDashboardWorld } from '../support/dashboard.ts';

let dash: DashboardWorld;
beforeAll(async () => {
  dash = await createDashboardWorld();
});
afterAll(async () => dash?.close());

const SCREENSHOTS = 'docs/screenshots';

async function anOpenCase(): Promise<string> {
  const row = await dash.api.world.runtime.database.db
    .selectFrom('cases')
    .select('id')
    .where('state', '=', 'open')
    .where('paused', '=', 0)
    .where('assignee_user_id', 'is', null)
    .orderBy('opened_at', 'desc')
    .executeTakeFirstOrThrow();
  return row.id;
}

describe('cases in the dashboard', () => {
  it('lists cases, filters them by state, and exports exactly the filtered view as CSV', async () => {
    const { context, page } = await dash.signedIn('manager');
    await page.goto('/cases?state=recovered');
    await page.getByRole('table').waitFor();
    const recovered = await dash.api.world.runtime.database.db
      .selectFrom('cases')
      .select(({ fn }) => fn.countAll<number>().as('n'))
      .where('state', '=', 'recovered')
      .executeTakeFirstOrThrow();
    const [download] = await Promise.all([
      page.waitForEvent('download'),
      page.getByRole('button', { name: 'Export CSV' }).click(),
    ]);
    expect(download.suggestedFilename()).toBe('cases.csv');
    const lines = readFileSync(await download.path(), 'utf8')
      .trim()
      .split('\r\n');
    expect(lines[0]).toBe(
      'Customer,State,Policy,Owed,Currency,Recovered,Opened,Age (days),Next step,Case id',
    );
    expect(lines.length - 1).toBe(Number(recovered.n));
    expect(lines.slice(1).every((l) => l.includes(',recovered,'))).toBe(true);
    expect(await seriousA11yViolations(page)).toEqual([]);
    await context.close();
  });

  it('opens a case with its timeline and pauses it, which the database then shows', async () => {
    const id = await anOpenCase();
    const { context, page } = await dash.signedIn('agent');
    await page.goto(`/cases/${id}`);
    await page.getByRole('heading', { name: 'Timeline' }).waitFor();
    await page.getByRole('group', { name: 'Case actions' }).getByRole('button', { name: 'Pause' }).click();
    await page.getByRole('dialog').getByLabel('Reason').fill('customer called: paying on Friday');
    await page.getByRole('dialog').getByRole('button', { name: 'Pause' }).click();
    await page.getByText('paused', { exact: true }).first().waitFor();
    const row = await dash.api.world.runtime.database.db
      .selectFrom('cases')
      .select('paused')
      .where('id', '=', id)
      .executeTakeFirstOrThrow();
    expect(row.paused).toBe(1);
    await page.getByText('customer called: paying on Friday').first().waitFor();
    expect(await page.getByRole('button', { name: 'Resume' }).count()).toBe(1);
    expect(await seriousA11yViolations(page)).toEqual([]);
    mkdirSync(SCREENSHOTS, { recursive: true });
    await page.screenshot({ path: `${SCREENSHOTS}/case.png`, fullPage: false });
    await context.close();
  });

  it('shows a parked case with a needs attention badge and its last error, and Retry puts it back to work', async () => {
    const id = await anOpenCase();
    const db = dash.api.world.runtime.database.db;
    await db
      .updateTable('cases')
      .set({
        state: 'needs_attention',
        error_count: 5,
        last_error: `case ${id} is open with no pending step`,
      })
      .where('id', '=', id)
      .execute();
    const { context, page } = await dash.signedIn('agent');
    await page.goto('/cases?state=needs_attention');
    const row = page.getByRole('row').filter({ hasText: 'needs attention' });
    await row.first().waitFor();
    expect(await row.count()).toBe(1);
    await page.goto(`/cases/${id}`);
    await page.getByText(`Last error: case ${id} is open with no pending step`).waitFor();
    await page.getByText('failed 5× in a row').waitFor();
    await page.getByRole('group', { name: 'Case actions' }).getByRole('button', { name: 'Retry' }).click();
    await page.getByRole('dialog').getByRole('button', { name: 'Retry' }).click();
    await page.getByText('Case back to work').first().waitFor();
    const after = await db
      .selectFrom('cases')
      .select(['state', 'error_count', 'last_error'])
      .where('id', '=', id)
      .executeTakeFirstOrThrow();
    expect({ ...after, error_count: Number(after.error_count) }).toEqual({
      state: 'open',
      error_count: 0,
      last_error: null,
    });
    expect(await seriousA11yViolations(page)).toEqual([]);
    await context.close();
  });

  it('lets an agent take a case and then find it under "Me"', async () => {
    const id = await anOpenCase();
    const { context, page } = await dash.signedIn('agent');
    await page.goto(`/cases/${id}`);
    await page.getByRole('button', { name: 'Assign to me' }).click();
    await page.getByRole('dialog').getByRole('button', { name: 'Assign to me' }).click();
    await page.getByText('assigned to agent@example.com').first().waitFor();
    const db = dash.api.world.runtime.database.db;
    const agent = await db
      .selectFrom('users')
      .select('id')
      .where('email', '=', 'agent@example.com')
      .executeTakeFirstOrThrow();
    const row = await db
      .selectFrom('cases')
      .select('assignee_user_id')
      .where('id', '=', id)
      .executeTakeFirstOrThrow();
    expect(row.assignee_user_id).toBe(agent.id);
    await page.goto(`/cases?assignee=${agent.id}`);
    await page.getByRole('table').waitFor();
    expect(await page.getByRole('table').getByRole('row').count()).toBe(2);
    await context.close();
  });

  it('lets a manager hand a case to an agent, by keyboard, and the list filters by that agent', async () => {
    const id = await anOpenCase();
    const { context, page } = await dash.signedIn('manager');
    await page.goto(`/cases/${id}`);
    await page.getByRole('button', { name: 'Assign to…' }).focus();
    await page.keyboard.press('Enter');
    const dialog = page.getByRole('dialog');
    await dialog.getByRole('combobox', { name: 'Colleague' }).focus();
    await dialog
      .getByRole('combobox', { name: 'Colleague' })
      .selectOption({ label: 'agent@example.com (agent)' });
    expect(await seriousA11yViolations(page)).toEqual([]);
    await dialog.getByRole('button', { name: 'Assign', exact: true }).focus();
    await page.keyboard.press('Enter');
    await page.getByText('assigned to agent@example.com').first().waitFor();
    const db = dash.api.world.runtime.database.db;
    const row = await db
      .selectFrom('cases')
      .innerJoin('users', 'users.id', 'cases.assignee_user_id')
      .select('users.email')
      .where('cases.id', '=', id)
      .executeTakeFirstOrThrow();
    expect(row.email).toBe('agent@example.com');
    await context.close();
  });

  it('offers a viewer no case actions, and the API refuses them too', async () => {
    const id = await anOpenCase();
    const { context, page } = await dash.signedIn('viewer');
    await page.goto(`/cases/${id}`);
    await page.getByRole('heading', { name: 'Timeline' }).waitFor();
    expect(await page.getByRole('group', { name: 'Case actions' }).getByRole('button').count()).toBe(0);
    expect(await page.getByRole('button', { name: 'Record payment' }).count()).toBe(0);
    const res = await dash.api.call(
      { role: 'viewer' },
      { method: 'POST', url: `/v1/cases/${id}/pause`, body: {} },
    );
    expect(res.statusCode).toBe(403);
    await context.close();
  });

  it('reaches a case and pauses it with the keyboard alone', async () => {
    const id = await anOpenCase();
    const { context, page } = await dash.signedIn('agent');
    await page.goto(`/cases/${id}`);
    await page.getByRole('heading', { name: 'Timeline' }).waitFor();
    const pause = page.getByRole('group', { name: 'Case actions' }).getByRole('button', { name: 'Pause' });
    for (let i = 0; i < 40 && !(await pause.evaluate((el) => el.ownerDocument.activeElement === el)); i++) {
      await page.keyboard.press('Tab');
    }
    await page.keyboard.press('Enter');
    await page.getByRole('dialog').waitFor();
    await page.keyboard.type('by keyboard');
    await page.keyboard.press('Tab');
    await page.keyboard.press('Tab');
    await page.keyboard.press('Enter');
    await page.getByRole('button', { name: 'Resume' }).waitFor();
    const row = await dash.api.world.runtime.database.db
      .selectFrom('cases')
      .select('paused')
      .where('id', '=', id)
      .executeTakeFirstOrThrow();
    expect(row.paused).toBe(1);
    await context.close();
  });
});
