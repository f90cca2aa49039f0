import type { AddressInfo } from 'node:net';
import { SMTPServer } from 'smtp-server';
import type { RouteExample } from './route-example.ts';

// A mail server for the connection check, started on first use and left to end with the test process.
let smtpPort: number | null = null;

async function startSmtpServer(): Promise<void> {
  if (smtpPort !== null) return;
  const server = new SMTPServer({ authOptional: true, disabledCommands: ['STARTTLS'], logger: false });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  server.server.unref();
  smtpPort = (server.server.address() as AddressInfo).port;
}

const settings = (port: number) => ({
  host: '127.0.0.1',
  port,
  security: 'none',
  from: 'Acme Billing <billing@acme.test>',
  reply_to: 'help@acme.test',
});

/** Examples for the email settings routes. */
export const settingsExamples: RouteExample[] = [
  { method: 'GET', path: '/v1/settings/email', url: () => '/v1/settings/email', status: 200 },
  {
    method: 'PUT',
    path: '/v1/settings/email',
    url: () => '/v1/settings/email',
    body: () => ({ ...settings(2525), username: 'recoup', password: 'smtp password' }),
    status: 200,
  },
  {
    method: 'POST',
    path: '/v1/settings/email/verify',
    url: () => '/v1/settings/email/verify',
    prepare: startSmtpServer,
    body: () => ({ settings: settings(smtpPort!) }),
    status: 200,
  },
];
