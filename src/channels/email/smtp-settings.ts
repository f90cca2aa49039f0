import type { EmailServer } from '../../domain/email-settings.ts';
import type { SmtpSettings } from './smtp-url.ts';

/**
 * nodemailer's connection settings for a stored server: `tls` connects over TLS from the first byte, `starttls`
 * insists on the upgrade (a server that does not offer it is refused rather than sent the password in the clear),
 * `none` never upgrades. AUTH only when a username is set.
 */
export function smtpSettingsOf(server: EmailServer): SmtpSettings {
  const tls =
    server.security === 'tls'
      ? { secure: true }
      : server.security === 'starttls'
        ? { secure: false, requireTLS: true }
        : { secure: false, ignoreTLS: true };
  const auth =
    server.username === null ? {} : { auth: { user: server.username, pass: server.password ?? '' } };
  return { host: server.host, port: server.port, ...tls, ...auth };
}
