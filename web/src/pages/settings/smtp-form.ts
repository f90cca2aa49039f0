import { ApiProblem } from '../../api/client.ts';
import type { paths } from '../../api/schema.ts';

/** The email settings in force, as the API reports them. */
export type EmailSettings =
  paths['/v1/settings/email']['get']['responses']['200']['content']['application/json'];

/** What `PUT /v1/settings/email` takes. */
export type EmailSettingsBody = NonNullable<
  paths['/v1/settings/email']['put']['requestBody']
>['content']['application/json'];

export type SmtpSecurity = EmailSettingsBody['security'];

/** The choices of connection security, in words, with the port each usually goes with. */
export const SECURITY_OPTIONS: readonly { value: SmtpSecurity; label: string; port: number }[] = [
  { value: 'starttls', label: 'STARTTLS (port 587)', port: 587 },
  { value: 'tls', label: 'TLS (port 465)', port: 465 },
  { value: 'none', label: 'None (unencrypted)', port: 25 },
];

/** The port after a change of security: the new choice's usual port if the old one's was in use, else as typed. */
export function portForSecurity(port: number | '', from: SmtpSecurity, to: SmtpSecurity): number | '' {
  const usual = (s: SmtpSecurity) => SECURITY_OPTIONS.find((o) => o.value === s)!.port;
  return port === '' || port === usual(from) ? usual(to) : port;
}

/** The form's fields as typed: the port may be empty while being edited, the password starts empty. */
export interface SmtpDraft {
  readonly host: string;
  readonly port: number | '';
  readonly security: SmtpSecurity;
  readonly username: string;
  readonly password: string;
  readonly from: string;
  readonly replyTo: string;
}

/** The form filled from the settings in force; with none stored, a STARTTLS server on 587 to start from. */
export function toDraft(settings: EmailSettings): SmtpDraft {
  return {
    host: settings.host ?? '',
    port: settings.port ?? 587,
    security: settings.security ?? 'starttls',
    username: settings.username ?? '',
    // Never known to the browser: empty means "keep the stored one".
    password: '',
    from: settings.from,
    replyTo: settings.reply_to ?? '',
  };
}

/**
 * The request body for a draft: empty optional fields are sent as null, and an empty password is left out so the
 * server keeps the stored one. An empty port is sent as 0 so that the server names the field.
 */
export function toBody(draft: SmtpDraft): EmailSettingsBody {
  const username = draft.username.trim();
  return {
    host: draft.host.trim(),
    port: draft.port === '' ? 0 : draft.port,
    security: draft.security,
    username: username === '' ? null : username,
    ...(draft.password === '' ? {} : { password: draft.password }),
    from: draft.from.trim(),
    reply_to: draft.replyTo.trim() === '' ? null : draft.replyTo.trim(),
  };
}

/** The API's field names, by the form field that shows their errors. */
export const SMTP_FIELDS = {
  host: 'host',
  port: 'port',
  security: 'security',
  username: 'username',
  password: 'password',
  from: 'from',
  replyTo: 'reply_to',
} as const satisfies Record<keyof SmtpDraft, string>;

/** The server's reason for one field, whether a save (`body.host`) or a check (`body.settings.host`) refused it. */
export function smtpFieldError(error: unknown, field: keyof SmtpDraft): string | undefined {
  if (!(error instanceof ApiProblem)) return undefined;
  const name = SMTP_FIELDS[field];
  return error.reasonFor(`body.${name}`) ?? error.reasonFor(`body.settings.${name}`);
}
