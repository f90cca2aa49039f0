import type { AddressInfo } from 'node:net';
import type { Page } from 'playwright-core';
import { SMTPServer } from 'smtp-server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seriousA11yViolations } from '../support/browser.ts';
import { type DashboardWorld, createDashboardWorld } from '../support/dashboard.ts';

const SMTP_USER = 'recoup';
const SMTP_PASSWORD = 'dashboard-smtp-secret';

let dash: DashboardWorld;
// A mail server that wants AUTH, for the email form's "Verify connection".
let smtp: SMTPServer;
let smtpPort: number;
beforeAll(async () => {
  smtp = new SMTPServer({
    allowInsecureAuth: true,
    disabledCommands: ['STARTTLS'],
    logger: false,
    onAuth(auth, _session, callback) {
      if (auth.username === SMTP_USER && auth.password === SMTP_PASSWORD)
        return callback(null, { user: SMTP_USER });
      callback(Object.assign(new Error('Invalid username or password'), { responseCode: 535 }));
    },
  });
  await new Promise<void>((resolve) => smtp.listen(0, '127.0.0.1', () => resolve()));
  smtpPort = (smtp.server.address() as AddressInfo).port;
  dash = await createDashboardWorld();
});
afterAll(async () => {
  await dash?.close();
  await new Promise<void>((resolve) => smtp?.close(() => resolve()));
});

/** Opens a settings tab by keyboard-reachable tab control and waits for its address. */
async function openTab(page: Page, name: string, path: string): Promise<void> {
  await page.getByRole('tab', { name }).click();
  await page.waitForURL(`**/settings/${path}`);
}

const CREATE_BUTTONS = ['Add a user', 'Create an API key', 'Add a subscription'];

describe('settings in the dashboard', () => {
  it('lets an admin create an API key, shows its secret once, and the key works', async () => {
    const { context, page } = await dash.signedIn('admin');
    await page.goto('/settings');
    await page.waitForURL('**/settings/users');
    await page.getByRole('table', { name: 'Users and roles' }).waitFor();
    expect(await seriousA11yViolations(page)).toEqual([]);

    await openTab(page, 'API keys', 'api-keys');
    await page.getByRole('table', { name: 'API keys' }).waitFor();
    expect(await seriousA11yViolations(page)).toEqual([]);
    await page.getByRole('button', { name: 'Create an API key' }).click();
    const dialog = page.getByRole('dialog', { name: 'Create an API key' });
    await dialog.getByLabel('Name').fill('ci-deploy');
    await dialog.getByLabel('Scope').selectOption('write');
    await dialog.getByRole('button', { name: 'Create key' }).click();
    const secretField = dialog.getByRole('textbox', { name: 'Secret', exact: true });
    await secretField.waitFor();
    const secret = await secretField.inputValue();
    expect(secret).toMatch(/^rcp_\w+_[\w-]+$/);
    expect(await seriousA11yViolations(page)).toEqual([]);

    const keys = (await dash.api.call({ scope: 'admin' }, { method: 'GET', url: '/v1/api-keys' })).json();
    const made = keys.data.find((k: { name: string }) => k.name === 'ci-deploy');
    expect(made).toMatchObject({ scope: 'write', revoked_at: null });
    expect(secret.startsWith(`${made.prefix}_`)).toBe(true);
    const used = await dash.api.app.inject({
      method: 'GET',
      url: '/v1/templates',
      headers: { authorization: `Bearer ${secret}` },
    });
    expect(used.statusCode).toBe(200);

    // Once the dialog closes the secret is gone from the page; the list shows only the prefix.
    await dialog.getByRole('button', { name: 'Done' }).click();
    await dialog.waitFor({ state: 'hidden' });
    expect(await page.getByTestId('one-time-secret').count()).toBe(0);
    expect(await page.getByText(secret).count()).toBe(0);
    await page.getByRole('cell', { name: 'ci-deploy', exact: true }).waitFor();

    // Revoking asks first, then the API refuses the key.
    await page.getByRole('button', { name: 'Revoke key ci-deploy' }).click();
    await page.getByRole('dialog').getByRole('button', { name: 'Revoke key' }).click();
    await page.getByText('Key “ci-deploy” is revoked.').waitFor();
    const after = await dash.api.app.inject({
      method: 'GET',
      url: '/v1/templates',
      headers: { authorization: `Bearer ${secret}` },
    });
    expect(after.statusCode).toBe(401);

    await openTab(page, 'Webhook subscriptions', 'webhooks');
    await page.getByText('No webhook subscriptions yet').waitFor();
    expect(await seriousA11yViolations(page)).toEqual([]);

    await openTab(page, 'Email and contact hours', 'email');
    await page
      .getByRole('table', { name: 'Contact hours and message caps of the current policies' })
      .waitFor();
    await page
      .getByRole('table', { name: 'Environment variables for email' })
      .getByText('RECOUP_SMTP_URL')
      .waitFor();
    expect(await seriousA11yViolations(page)).toEqual([]);
    await context.close();
  });

  it('lets an admin save the mail server by keyboard alone, verify it, and see the API’s field errors', async () => {
    const db = dash.api.world.runtime.database.db;
    const { context, page } = await dash.signedIn('admin');
    await page.goto('/settings/email');
    await page.getByText('No mail server is set, so nothing is sent').waitFor();
    expect(await seriousA11yViolations(page)).toEqual([]);

    // From the tab list to the form and through every field to Save, with the keyboard only.
    await page.getByRole('tab', { name: 'Email and contact hours' }).focus();
    const host = page.getByRole('textbox', { name: 'Host' });
    for (let i = 0; i < 20 && !(await host.evaluate((el) => el.ownerDocument.activeElement === el)); i++) {
      await page.keyboard.press('Tab');
    }
    await page.keyboard.type('127.0.0.1');
    await page.keyboard.press('Tab');
    await page.keyboard.press('ControlOrMeta+a');
    await page.keyboard.type(String(smtpPort));
    await page.keyboard.press('Tab');
    await page.keyboard.press('End'); // Security: the last choice, none (a local test server)
    await page.keyboard.press('Tab');
    await page.keyboard.type(SMTP_USER);
    await page.keyboard.press('Tab');
    await page.keyboard.type(SMTP_PASSWORD);
    await page.keyboard.press('Tab');
    await page.keyboard.press('ControlOrMeta+a');
    await page.keyboard.type('Acme Billing <billing@acme.test>');
    await page.keyboard.press('Tab');
    await page.keyboard.type('help@acme.test');
    await page.keyboard.press('Tab');
    await page.keyboard.press('Enter');
    await page.getByText('Email settings saved').waitFor();
    const row = await db
      .selectFrom('settings')
      .selectAll()
      .where('key', '=', 'email')
      .executeTakeFirstOrThrow();
    expect(JSON.parse(row.value)).toEqual({
      host: '127.0.0.1',
      port: smtpPort,
      security: 'none',
      username: SMTP_USER,
      from: 'Acme Billing <billing@acme.test>',
      reply_to: 'help@acme.test',
    });
    expect(row.secret).toMatch(/^enc:v1:/);
    expect(JSON.stringify(row)).not.toContain(SMTP_PASSWORD);
    expect(row.updated_by).toMatch(/^user:/);
    await page.getByText('Leave empty to keep the current password').waitFor();
    expect(await page.getByRole('textbox', { name: 'Password' }).inputValue()).toBe('');
    expect(await seriousA11yViolations(page)).toEqual([]);

    // Verify with the stored password (the field left empty), then with a wrong one typed in.
    await page.getByRole('button', { name: 'Verify connection' }).click();
    await page.getByText('The server accepted the connection and the sign-in').waitFor();
    await page.getByRole('textbox', { name: 'Password' }).fill('wrong password');
    await page.getByRole('button', { name: 'Verify connection' }).click();
    await page.getByRole('alert').filter({ hasText: 'The mail server check failed' }).waitFor();
    const password = page.getByRole('textbox', { name: 'Password' });
    expect(await password.getAttribute('aria-invalid')).toBe('true');
    expect(
      await page
        .locator('form')
        .getByText(/EAUTH 535/)
        .count(),
    ).toBeGreaterThan(0);
    expect(await seriousA11yViolations(page)).toEqual([]);

    // A sender that is no mailbox: the API's reason shows under the field, and nothing is stored.
    await password.fill('');
    const from = page.getByRole('textbox', { name: 'From' });
    await from.fill('billing at acme');
    await page.getByRole('button', { name: 'Save email settings' }).click();
    await page.getByText('expected one address such as Acme Billing <billing@acme.test>').waitFor();
    expect(await from.getAttribute('aria-invalid')).toBe('true');
    const after = await db
      .selectFrom('settings')
      .selectAll()
      .where('key', '=', 'email')
      .executeTakeFirstOrThrow();
    expect(after).toEqual(row);
    expect(await seriousA11yViolations(page)).toEqual([]);
    await context.close();
  });

  it('lets an admin change a policy’s contact hours, applied as a new version with the new hours', async () => {
    const db = dash.api.world.runtime.database.db;
    const policies = (await dash.api.call({ scope: 'admin' }, { method: 'GET', url: '/v1/policies' })).json();
    const policy = policies.data[0] as { name: string; version: number };
    const { context, page } = await dash.signedIn('admin');
    await page.goto('/settings/email');
    await page.getByRole('button', { name: `Edit contact hours of ${policy.name}` }).click();
    const dialog = page.getByRole('dialog', { name: `Contact hours of ${policy.name}` });
    await dialog.getByLabel('From').fill('09:00');
    await dialog.getByLabel('Until').fill('08:30');
    await dialog.getByRole('checkbox', { name: 'Sat' }).uncheck();
    await dialog.getByRole('checkbox', { name: 'Sun' }).uncheck();
    await dialog.getByRole('textbox', { name: 'Messages at most' }).fill('3');
    await dialog.getByRole('textbox', { name: 'In how many days' }).fill('7');
    expect(await seriousA11yViolations(page)).toEqual([]);

    // The server refuses an end before the start; its reason shows under Until and no version is made.
    await dialog.getByRole('button', { name: 'Save as new version' }).click();
    await dialog.getByText('must be later than contactHours.start').waitFor();
    expect(await dialog.getByLabel('Until').getAttribute('aria-invalid')).toBe('true');
    const versions = async () =>
      db
        .selectFrom('policy_versions')
        .selectAll()
        .where('name', '=', policy.name)
        .orderBy('version', 'desc')
        .execute();
    expect((await versions())[0]!.version).toBe(policy.version);
    expect(await seriousA11yViolations(page)).toEqual([]);

    await dialog.getByLabel('Until').fill('17:30');
    await dialog.getByRole('button', { name: 'Save as new version' }).click();
    await dialog.getByText(`Saved as ${policy.name} v${policy.version + 1}`).waitFor();
    await dialog.getByText('Cases already running keep the version they started on').waitFor();
    const newest = (await versions())[0]!;
    expect(newest.version).toBe(policy.version + 1);
    const document = JSON.parse(newest.document);
    expect(document.contactHours).toEqual({ start: '09:00', end: '17:30', weekdays: [1, 2, 3, 4, 5] });
    expect(document.messageLimits).toEqual({ maxMessages: 3, periodDays: 7 });
    // Everything else is the version it was based on.
    const previous = JSON.parse((await versions())[1]!.document);
    expect({ ...document, contactHours: null, messageLimits: null }).toEqual({
      ...previous,
      contactHours: null,
      messageLimits: null,
    });
    expect(await seriousA11yViolations(page)).toEqual([]);
    await dialog.getByRole('button', { name: 'Done' }).click();
    await page
      .getByRole('row')
      .filter({ hasText: policy.name })
      .getByText('09:00–17:30, Mon, Tue, Wed, Thu, Fri')
      .waitFor();
    await context.close();
  });

  it('lets an admin add a user with a role and shows the one-time password, which signs in', async () => {
    const { context, page } = await dash.signedIn('admin');
    await page.goto('/settings/users');
    await page.getByRole('button', { name: 'Add a user' }).click();
    const dialog = page.getByRole('dialog', { name: 'Add a user' });
    await dialog.getByLabel('Email').fill('collector@example.com');
    await dialog.getByLabel('Role').selectOption('agent');
    await dialog.getByRole('button', { name: 'Create user' }).click();
    const password = await dialog
      .getByRole('textbox', { name: 'One-time password', exact: true })
      .inputValue();
    expect(password).toHaveLength(20);
    const session = await dash.api.app.inject({
      method: 'POST',
      url: '/v1/session',
      payload: { email: 'collector@example.com', password },
    });
    expect(session.statusCode).toBe(201);
    expect(session.json().user.role).toBe('agent');
    await dialog.getByRole('button', { name: 'Done' }).click();
    await page.getByRole('cell', { name: 'collector@example.com', exact: true }).first().waitFor();

    // Changing the role in the table changes it at the API.
    await page.getByLabel('Role of collector@example.com').selectOption('manager');
    await page.getByText('collector@example.com is now manager.').waitFor();
    const users = (await dash.api.call({ scope: 'admin' }, { method: 'GET', url: '/v1/users' })).json();
    expect(users.data.find((u: { email: string }) => u.email === 'collector@example.com').role).toBe(
      'manager',
    );
    // The signed-in admin is offered no way to demote or disable themselves.
    expect(await page.getByLabel('Role of admin@example.com').count()).toBe(0);
    expect(await page.getByRole('button', { name: 'Disable admin@example.com' }).count()).toBe(0);
    await context.close();
  });

  it('lets an admin add a webhook subscription, see its secret once, replay it and disable it', async () => {
    const url = 'https://crm.example.com/hooks/recoup';
    const { context, page } = await dash.signedIn('admin');
    await page.goto('/settings/webhooks');
    await page.getByRole('button', { name: 'Add a subscription' }).click();
    const dialog = page.getByRole('dialog', { name: 'Add a webhook subscription' });
    await dialog.getByRole('textbox', { name: 'URL', exact: true }).fill(url);
    const events = dialog.getByLabel('Event types', { exact: true });
    await events.fill('case.*');
    await events.press('Enter');
    // Leaving the field by keyboard closes its suggestions, which would cover the dialog's buttons.
    await events.press('Tab');
    await dialog.getByRole('button', { name: 'Add subscription' }).click();
    const secret = await dialog.getByRole('textbox', { name: 'Signing secret', exact: true }).inputValue();
    expect(secret).toMatch(/^whsec_/);
    expect(await seriousA11yViolations(page)).toEqual([]);
    const listed = async () =>
      (await dash.api.call({ scope: 'admin' }, { method: 'GET', url: '/v1/webhook-subscriptions' }))
        .json()
        .data.find((s: { url: string }) => s.url === url);
    expect(await listed()).toMatchObject({ event_types: ['case.*'], disabled_at: null });
    await dialog.getByRole('button', { name: 'Done' }).click();
    await dialog.waitFor({ state: 'hidden' });
    await page.getByRole('cell', { name: url, exact: true }).waitFor();

    await page.getByRole('button', { name: `Replay events to ${url}` }).click();
    const replay = page.getByRole('dialog', { name: 'Replay events' });
    await replay.getByLabel('Resend events since').fill('2026-01-01T00:00');
    await replay.getByRole('button', { name: 'Replay', exact: true }).click();
    await page.getByText('Replay queued').waitFor();

    await page.getByRole('button', { name: `Disable subscription ${url}` }).click();
    await page.getByRole('dialog').getByRole('button', { name: 'Disable subscription' }).click();
    await page.getByText(`Nothing more is sent to ${url}.`).waitFor();
    expect((await listed()).disabled_at).not.toBeNull();
    await context.close();
  });

  it('shows a viewer only what data:read allows, with nothing to create; the API refuses them too', async () => {
    const { context, page } = await dash.signedIn('viewer');
    await page.goto('/settings');
    await page.waitForURL('**/settings/email');
    await page
      .getByRole('table', { name: 'Contact hours and message caps of the current policies' })
      .waitFor();
    expect(await page.getByRole('tab').allTextContents()).toEqual(['Email and contact hours']);
    for (const name of CREATE_BUTTONS) expect(await page.getByRole('button', { name }).count()).toBe(0);
    // Nothing to edit: no mail server form, no contact-hours Edit buttons.
    await page.getByText('The mail server Recoup sends through is managed by admins.').waitFor();
    expect(await page.getByRole('textbox', { name: 'Host' }).count()).toBe(0);
    expect(await page.getByRole('button', { name: 'Save email settings' }).count()).toBe(0);
    expect(await page.getByRole('button', { name: /^Edit contact hours of / }).count()).toBe(0);
    expect(await seriousA11yViolations(page)).toEqual([]);

    // An admin-only address sends the viewer back to what they may see.
    await page.goto('/settings/api-keys');
    await page.waitForURL('**/settings/email');
    expect(await page.getByRole('button', { name: 'Create an API key' }).count()).toBe(0);

    // The browser's sign-in on the simulated clock expired the API world's own sessions: sign in again.
    await dash.api.signIn('viewer');
    const create = await dash.api.call(
      { role: 'viewer' },
      { method: 'POST', url: '/v1/api-keys', body: { name: 'sneaky', scope: 'admin' } },
    );
    expect(create.statusCode).toBe(403);
    const list = await dash.api.call({ role: 'viewer' }, { method: 'GET', url: '/v1/api-keys' });
    expect(list.statusCode).toBe(403);
    await context.close();
  });
});
