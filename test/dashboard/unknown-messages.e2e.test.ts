import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seriousA11yViolations } from '../support/browser.ts';
import { type DashboardWorld, createDashboardWorld } from '../support/dashboard.ts';

let dash: DashboardWorld;
beforeAll(async () => {
  dash = await createDashboardWorld(20);
});
afterAll(async () => dash?.close());

describe('the unknown messages page', () => {
  it('lists messages whose send was interrupted and lets an agent resend one and mark the other sent', async () => {
    const db = dash.api.world.runtime.database.db;
    // Two sent reminders of open cases, as a crash with an SMTP server leaves them: no one knows if they left.
    const picked = await db
      .selectFrom('messages')
      .innerJoin('cases', 'cases.id', 'messages.case_id')
      .select(['messages.id', 'messages.subject'])
      .where('messages.status', '=', 'sent')
      .where('cases.state', '=', 'open')
      .orderBy('messages.id')
      .limit(2)
      .execute();
    expect(picked).toHaveLength(2);
    const ids = picked.map((m) => m.id);
    await db.updateTable('messages').set({ status: 'unknown' }).where('id', 'in', ids).execute();

    const { context, page } = await dash.signedIn('agent');
    await page.getByRole('link', { name: 'Unknown messages' }).click();
    await page.waitForURL('**/messages/unknown');
    const rows = page.getByRole('table', { name: 'Messages whose send was interrupted' }).locator('tbody tr');
    await expect.poll(() => rows.count()).toBe(2);
    expect(await seriousA11yViolations(page)).toEqual([]);

    await rows.first().getByRole('button', { name: 'Resend' }).click();
    await expect.poll(() => rows.count()).toBe(1);
    await rows.first().getByRole('button', { name: 'Mark sent' }).click();
    await page.getByText('No unknown messages').waitFor();

    const after = await db
      .selectFrom('messages')
      .select(['id', 'status'])
      .where('id', 'in', ids)
      .orderBy('id')
      .execute();
    expect(after.map((m) => m.status).sort()).toEqual(['resent', 'sent']);
    const resends = await db
      .selectFrom('messages')
      .select('status')
      .where('idempotency_key', 'like', '%:resend-1')
      .execute();
    expect(resends).toEqual([{ status: 'sent' }]);
    await context.close();
  });
});
