import { mkdirSync } from 'node:fs';
import { sql } from 'kysely';
import type { Locator } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seriousA11yViolations } from '../support/browser.ts';
import { type DashboardWorld, createDashboardWorld } from '../support/dashboard.ts';

let dash: DashboardWorld;
beforeAll(async () => {
  dash = await createDashboardWorld();
});
afterAll(async () => dash?.close());

const DAY = 86_400_000;

/**
 * Per currency, the cases opened in the dashboard's default period (30 days to now), summed straight from the
 * tables: what came in on or before the due date of an invoice no charge failed for is collected on time; what an
 * open case owes on such invoices not due yet has not failed; failed and recovered are the rest.
 */
async function periodMoney() {
  const now = dash.api.world.runtime.deps.clock.now();
  const db = dash.api.world.runtime.database.db;
  const { rows } = await sql<{
    currency: string;
    failed: number;
    recovered: number;
    on_time: number;
    not_due: number;
  }>`
    select c.currency, sum(c.amount_failed) as failed, sum(c.amount_recovered) as recovered,
      sum((select coalesce(sum(p.amount), 0) from payments p join invoices i on i.id = p.invoice_id
        where p.case_id = c.id and i.failed_at is null and p.received_at <= i.due_at)) as on_time,
      sum(case when c.state = 'open' then (select coalesce(sum(i.total - i.amount_paid), 0) from invoices i
        where i.case_id = c.id and i.status = 'open' and i.failed_at is null and i.due_at > ${now}) else 0 end)
        as not_due
    from cases c where c.opened_at >= ${now - 30 * DAY} and c.opened_at < ${now}
    group by c.currency order by c.currency`.execute(db);
  return rows.map((r) => ({
    currency: r.currency,
    failed: Number(r.failed) - Number(r.on_time) - Number(r.not_due),
    recovered: Number(r.recovered) - Number(r.on_time),
    onTime: Number(r.on_time),
  }));
}

/** The integer minor units a KPI card shows (two-decimal currencies), whatever the browser's number format. */
async function cardMinor(card: Locator, testId: string): Promise<number> {
  const text = (await card.getByTestId(testId).locator('[data-value]').textContent()) ?? '';
  return Number(text.replace(/\D/g, ''));
}

describe('the overview', () => {
  it("shows each currency's recovery rate and active cases as the database has them", async () => {
    const rows = await periodMoney();
    expect(rows.length).toBeGreaterThan(0);
    const db = dash.api.world.runtime.database.db;
    const { page, context } = await dash.signedIn('viewer');
    for (const row of rows) {
      const card = page.getByTestId(`overview-${row.currency}`);
      const rate = `${((row.recovered / row.failed) * 100).toFixed(1)}%`;
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

  it('shows money collected on time apart from failed and recovered, and why open balances differ', async () => {
    const rows = await periodMoney();
    // The simulated B2B customers pay some invoices before their due date.
    expect(rows.some((r) => r.onTime > 0)).toBe(true);
    const { page, context } = await dash.signedIn('viewer');
    for (const row of rows) {
      const card = page.getByTestId(`overview-${row.currency}`);
      await card.getByTestId('collected-on-time').waitFor();
      expect(await cardMinor(card, 'collected-on-time')).toBe(row.onTime);
      expect(await cardMinor(card, 'failed')).toBe(row.failed);
      expect(await cardMinor(card, 'recovered')).toBe(row.recovered);
    }
    expect(await page.getByTestId('open-balance-note').textContent()).toContain('open cases');
    await page.getByRole('link', { name: 'Forecast' }).click();
    expect(await page.getByTestId('open-balance-note').textContent()).toContain('open cases');
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
