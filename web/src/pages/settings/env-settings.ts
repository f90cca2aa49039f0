/** One environment variable Recoup reads at start-up, as README.md's configuration table documents it. */
export interface EnvSetting {
  readonly name: string;
  readonly fallback: string;
  readonly purpose: string;
}

// Mirrors src/config/env.ts: documentation, not the running values (the mail server in force is shown above them).
export const EMAIL_SETTINGS: readonly EnvSetting[] = [
  {
    name: 'RECOUP_SMTP_URL',
    fallback: 'unset',
    purpose:
      'The mail server, smtp://user:pass@host:587 or smtps://…. When set it takes precedence over the server ' +
      'saved on this page; unset and none saved: emails are written as .eml files.',
  },
  {
    name: 'RECOUP_MAIL_FROM',
    fallback: 'Recoup <billing@example.com>',
    purpose: 'The sender of every email, unless a mail server saved on this page names another.',
  },
  {
    name: 'RECOUP_OUTBOX_DIR',
    fallback: './.recoup/outbox',
    purpose: 'Where emails are written when no mail server is set.',
  },
  {
    name: 'RECOUP_BUSINESS_NAME',
    fallback: 'Recoup Demo Co.',
    purpose: 'Your business’s name, as templates show it ({{ business.name }}).',
  },
  {
    name: 'RECOUP_SUPPORT_EMAIL',
    fallback: 'billing@example.com',
    purpose: 'Where customers are told to write ({{ business.supportEmail }}).',
  },
  {
    name: 'RECOUP_PAY_LINK_BASE',
    fallback: 'http://localhost:4000/pay',
    purpose: 'The base of the pay, update-card and unsubscribe links in messages.',
  },
];
