import { smtpSettingsOf } from '../channels/email/smtp-settings.ts';
import { type SmtpSettings, parseSmtpUrl } from '../channels/email/smtp-url.ts';
import { type SmtpCheck, verifySmtp } from '../channels/email/smtp-verify.ts';
import {
  type EmailServer,
  type EmailSettings,
  type SmtpSecurity,
  emailSettingsProblems,
} from '../domain/email-settings.ts';
import type { FieldError } from '../domain/validation.ts';
import type { FieldCipher } from '../security/field-cipher.ts';
import type { Queryable } from '../store/database.ts';
import type { SettingsRow } from '../store/schema/settings.ts';
import { openSettingSecret, readSetting, sealSettingSecret, writeSetting } from '../store/settings.ts';

/** The settings row that holds the SMTP server. */
export const EMAIL_SETTINGS_KEY = 'email';

/**
 * Where email goes: `environment` (RECOUP_SMTP_URL is set and wins), `stored` (the settings an admin saved), or
 * `outbox` (neither: every email is written to the local outbox folder).
 */
export type EmailSource = 'environment' | 'stored' | 'outbox';

/** What the environment says about email; RECOUP_MAIL_FROM is the sender unless stored settings name another. */
export interface EmailEnvironment {
  readonly smtpUrl: string | null;
  readonly mailFrom: string;
}

/** The email settings in force as the API shows them: never the password, only whether one is set. */
export interface EmailSettingsView {
  readonly source: EmailSource;
  readonly host: string | null;
  readonly port: number | null;
  readonly security: SmtpSecurity | null;
  readonly username: string | null;
  readonly passwordSet: boolean;
  readonly from: string;
  readonly replyTo: string | null;
  readonly updatedAt: number | null;
  readonly updatedBy: string | null;
}

/** Settings as an admin sends them; no password keeps the stored one. */
export interface EmailSettingsInput extends EmailSettings {
  readonly password?: string;
}

/** Settings that cannot be saved or checked: invalid fields, the environment in charge, or nothing to check. */
export class EmailSettingsError extends Error {
  constructor(
    readonly kind: 'invalid' | 'environment' | 'nothing',
    readonly errors: readonly FieldError[],
  ) {
    super(errors.map((e) => `${e.path}: ${e.message}`).join('; '));
  }
}

/** A stored server and a token that changes whenever its row does, so a reader can tell it needs to reconnect. */
export interface StoredEmailServer {
  readonly version: string;
  readonly server: EmailServer;
}

// The row's JSON, in the API's field names; the password is never part of it.
interface StoredValue {
  host: string;
  port: number;
  security: SmtpSecurity;
  username: string | null;
  from: string;
  reply_to: string | null;
}

function settingsOf(row: SettingsRow): EmailSettings {
  const v = JSON.parse(row.value) as StoredValue;
  return {
    host: v.host,
    port: v.port,
    security: v.security,
    username: v.username,
    from: v.from,
    replyTo: v.reply_to,
  };
}

/** The settings in force: the environment's server when RECOUP_SMTP_URL is set, else the stored one, else none. */
export async function emailSettingsView(db: Queryable, env: EmailEnvironment): Promise<EmailSettingsView> {
  const none = { updatedAt: null, updatedBy: null, replyTo: null };
  if (env.smtpUrl) {
    const url = parseSmtpUrl(env.smtpUrl, 'RECOUP_SMTP_URL');
    return {
      ...none,
      source: 'environment',
      host: url.host,
      port: url.port,
      // An smtp:// URL upgrades when the server offers it, the nearest of the stored choices.
      security: url.secure ? 'tls' : 'starttls',
      username: url.auth?.user ?? null,
      passwordSet: Boolean(url.auth?.pass),
      from: env.mailFrom,
    };
  }
  const row = await readSetting(db, EMAIL_SETTINGS_KEY);
  if (!row) {
    return {
      ...none,
      source: 'outbox',
      host: null,
      port: null,
      security: null,
      username: null,
      passwordSet: false,
      from: env.mailFrom,
    };
  }
  return {
    source: 'stored',
    ...settingsOf(row),
    passwordSet: row.secret !== null,
    updatedAt: row.updated_at,
    updatedBy: row.updated_by,
  };
}

/**
 * Validates and stores the SMTP server (the password encrypted; none given keeps the stored one; no username drops
 * it). Refused while RECOUP_SMTP_URL is set: the environment decides then, and a stored copy would mislead.
 */
export async function saveEmailSettings(
  db: Queryable,
  cipher: FieldCipher,
  env: EmailEnvironment,
  input: { settings: EmailSettingsInput; actor: string; now: number },
): Promise<EmailSettingsView> {
  if (env.smtpUrl) {
    throw new EmailSettingsError('environment', [
      {
        path: '(root)',
        message:
          'RECOUP_SMTP_URL is set: email settings come from the environment and cannot be changed here',
      },
    ]);
  }
  const s = input.settings;
  const problems = emailSettingsProblems(s);
  if (problems.length > 0) throw new EmailSettingsError('invalid', problems);
  const existing = await readSetting(db, EMAIL_SETTINGS_KEY);
  const secret =
    s.username === null
      ? null
      : s.password !== undefined
        ? sealSettingSecret(cipher, EMAIL_SETTINGS_KEY, s.password)
        : (existing?.secret ?? null);
  if (s.username !== null && secret === null) {
    throw new EmailSettingsError('invalid', [
      { path: 'password', message: 'is required with a username (no password is stored yet)' },
    ]);
  }
  const value: StoredValue = {
    host: s.host,
    port: s.port,
    security: s.security,
    username: s.username,
    from: s.from,
    reply_to: s.replyTo,
  };
  await writeSetting(db, {
    key: EMAIL_SETTINGS_KEY,
    value: JSON.stringify(value),
    secret,
    updated_at: input.now,
    updated_by: input.actor,
  });
  return emailSettingsView(db, env);
}

/** The stored server with its password decrypted, for the email channel; null when none is stored. */
export async function loadEmailServer(db: Queryable, cipher: FieldCipher): Promise<StoredEmailServer | null> {
  const row = await readSetting(db, EMAIL_SETTINGS_KEY);
  if (!row) return null;
  return {
    // A new IV seals every saved password anew, so the secret's text changes with each save that sets one.
    version: `${row.updated_at}\n${row.value}\n${row.secret ?? ''}`,
    server: { ...settingsOf(row), password: openSettingSecret(cipher, row) },
  };
}

/**
 * Checks that a server takes a connection and the credentials: the candidate settings given (a form not saved
 * yet), else the environment's server, else the stored one. A candidate without a password borrows the stored one
 * only for the same host and username, so the check cannot hand the stored password to another server.
 */
export async function verifyEmailSettings(
  db: Queryable,
  cipher: FieldCipher,
  env: EmailEnvironment,
  candidate: EmailSettingsInput | null,
  timeoutMs = 10_000,
): Promise<SmtpCheck> {
  return verifySmtp(await serverToVerify(db, cipher, env, candidate), timeoutMs);
}

async function serverToVerify(
  db: Queryable,
  cipher: FieldCipher,
  env: EmailEnvironment,
  candidate: EmailSettingsInput | null,
): Promise<SmtpSettings> {
  if (candidate) {
    const problems = emailSettingsProblems(candidate);
    if (problems.length > 0) throw new EmailSettingsError('invalid', problems);
    let password = candidate.password ?? null;
    if (password === null && candidate.username !== null) {
      const stored = await loadEmailServer(db, cipher);
      const same = stored?.server.host === candidate.host && stored.server.username === candidate.username;
      password = same ? stored.server.password : null;
    }
    return smtpSettingsOf({ ...candidate, password });
  }
  if (env.smtpUrl) return parseSmtpUrl(env.smtpUrl, 'RECOUP_SMTP_URL');
  const stored = await loadEmailServer(db, cipher);
  if (stored) return smtpSettingsOf(stored.server);
  throw new EmailSettingsError('nothing', [
    {
      path: '(root)',
      message: 'no SMTP server is set (emails go to the outbox folder): give the settings to check',
    },
  ]);
}
