import { mkdirSync } from 'node:fs';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seriousA11yViolations } from '../support/browser.ts';
import { type DashboardWorld, createDashboardWorld } from '../support/dashboard.ts';

let dash: DashboardWorld;
beforeAll(async () => {
  dash = await createDashboardWorld();
});
afterAll(async () => dash?.close());

const DAY = 86_400_000;

describe('the overview', () => {
  it("shows each currency's recovery rate and active cases as the database has them", async () => {
    const now = dash.api.world.runtime.deps.clock.now();
    const db = dash.api.world.runtime.database.db;
    const { rows } = await sql<{ currency: string; failed: number; recovered: number }>`
      select currency, sum(amount_failed) as failed, sum(amount_recovered) as recovered
      from cases where opened_at >= ${now - 30 * DAY} and opened_at < ${now}
      group by currency order by currency`.execute(db);
    expect(rows.length).toBeGreaterThan(0);
    const { page, context } = await dash.signedIn('viewer');
    for (const row of rows) {
      const card = page.getByTestId(`overview-${row.currency}`);
      const rate = `${((Number(row.recovered) / Number(row.failed)) * 100).toFixed(1)}%`;
      expect(await card.getByTestId('recovery-rate').locator('[data-value]').textContent()).toBe(rate);
      const active = await db
        .selectFrom('cases')
        .select(({ fn }) => fn.countAll<number>().as('n'))
        .where('state', '=', 'open')
        .where('currency', '=', row.currency)
        .executeTakeFirstOrThrow();
      expect(await card.getByTestId('active-cases').locator('[data-value]').textContent()).toBe(
        String(active.n),
      );
    }
    await page.getByRole('heading', { name: 'Aging of open invoices' }).waitFor();
    expect(await seriousA11yViolations(page)).toEqual([]);
    mkdirSync('docs/screenshots', { recursive: true });
    await page.screenshot({ path: 'docs/screenshots/overview.png', fullPage: false });
    await context.close();
  });

  it('shows what works and the forecast, each without accessibility violations', async () => {
    const { page, context } = await dash.signedIn('viewer');
    await page.getByRole('link', { name: 'What works' }).click();
    await page.getByRole('heading', { name: 'Recovery by policy step' }).waitFor();
    await page.getByRole('table').first().waitFor();
    const messages = page.getByRole('table', { name: 'Messages by channel and template' });
    for (const column of ['Opened', 'Open rate', 'Clicked', 'Click rate']) {
      await messages.getByRole('columnheader', { name: column, exact: true }).waitFor();
    }
    expect(await page.getByTestId('open-rate-note').textContent()).toContain('Opens are approximate');
    expect(await seriousA11yViolations(page)).toEqual([]);
    await page.getByRole('link', { name: 'Forecast' }).click();
    await page.getByText('How this is estimated').waitFor();
    expect(await seriousA11yViolations(page)).toEqual([]);
    await context.close();
  });
});
