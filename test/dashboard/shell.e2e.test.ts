import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seriousA11yViolations } from '../support/browser.ts';
import { type DashboardWorld, createDashboardWorld } from '../support/dashboard.ts';

let dash: DashboardWorld;
beforeAll(async () => {
  dash = await createDashboardWorld();
});
afterAll(async () => dash?.close());

describe('the dashboard shell', () => {
  it('sends a signed-out visitor to the login, and refuses a wrong password with advice', async () => {
    const context = await dash.browser.newContext({ baseURL: dash.baseUrl });
    const page = await context.newPage();
    await page.goto('/cases');
    await page.waitForURL('**/login');
    await page.getByLabel('Email').fill('admin@example.com');
    await page.getByRole('textbox', { name: 'Password' }).fill('not the password');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await expect(page.getByRole('alert').textContent()).resolves.toContain('do not match a user');
    expect(await seriousA11yViolations(page)).toEqual([]);
    await context.close();
  });

  it('signs in, shows who is signed in, and signs out', async () => {
    const { context, page } = await dash.signedIn('agent');
    expect(await page.getByTestId('signed-in-as').textContent()).toContain('agent@example.com');
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.waitForURL('**/login');
    await context.close();
  });
});
