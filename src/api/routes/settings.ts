import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { type Static, Type } from '@sinclair/typebox';
import { reloadEmailSettings } from '../../channels/email/stored-settings-channel.ts';
import type { SmtpCheckStage } from '../../channels/email/smtp-verify.ts';
import {
  EMAIL_SETTINGS_KEY,
  type EmailEnvironment,
  EmailSettingsError,
  type EmailSettingsInput,
  type EmailSettingsView,
  emailSettingsView,
  saveEmailSettings,
  verifyEmailSettings,
} from '../../services/email-settings.ts';
import { audited } from '../http/audit.ts';
import { ApiError, conflict } from '../http/problem.ts';
import { Instant, iso, problemResponses } from '../http/schemas.ts';

const Security = Type.Union([Type.Literal('tls'), Type.Literal('starttls'), Type.Literal('none')], {
  description: 'tls: implicit TLS (usually port 465); starttls: upgrade required (587); none: no encryption',
});

const EmailSettingsSchema = Type.Object({
  source: Type.Union([Type.Literal('environment'), Type.Literal('stored'), Type.Literal('outbox')], {
    description:
      'environment: RECOUP_SMTP_URL is set and wins (read-only here); stored: the settings saved here; ' +
      'outbox: neither, so emails are written to the local outbox folder',
  }),
  host: Type.Union([Type.String(), Type.Null()]),
  port: Type.Union([Type.Integer(), Type.Null()]),
  security: Type.Union([Security, Type.Null()]),
  username: Type.Union([Type.String(), Type.Null()]),
  password_set: Type.Boolean({
    description: 'whether a password is stored; the password itself is never shown',
  }),
  from: Type.String({ description: 'the sender of every email' }),
  reply_to: Type.Union([Type.String(), Type.Null()]),
  updated_at: Type.Union([Instant(), Type.Null()]),
  updated_by: Type.Union([Type.String(), Type.Null()], { description: 'user:…, api_key:… or cli' }),
});

const settingsProperties = {
  host: Type.String({ minLength: 1, maxLength: 253, description: 'host name or IP address' }),
  port: Type.Integer({ minimum: 1, maximum: 65_535 }),
  security: Security,
  username: Type.Optional(
    Type.Union([Type.String({ minLength: 1, maxLength: 320 }), Type.Null()], {
      description: 'omit or null for a server that takes mail without signing in',
    }),
  ),
  password: Type.Optional(
    Type.String({
      minLength: 1,
      maxLength: 1_000,
      description: 'write-only; omit to keep the stored password',
    }),
  ),
  from: Type.String({
    minLength: 3,
    maxLength: 320,
    description: 'an RFC 5322 mailbox, e.g. Acme Billing <billing@acme.test>',
  }),
  reply_to: Type.Optional(
    Type.Union([Type.String({ minLength: 3, maxLength: 320 }), Type.Null()], {
      description: 'an RFC 5322 mailbox replies go to, if not the sender',
    }),
  ),
};

const SettingsBody = Type.Object(settingsProperties, { additionalProperties: false });

const VerifyBody = Type.Object(
  {
    settings: Type.Optional(
      Type.Object(settingsProperties, {
        additionalProperties: false,
        description:
          'settings to try before saving them; without a password the stored one is used if the host and username are the same',
      }),
    ),
  },
  { additionalProperties: false, description: 'empty to check the settings in force' },
);

function present(view: EmailSettingsView) {
  return {
    source: view.source,
    host: view.host,
    port: view.port,
    security: view.security,
    username: view.username,
    password_set: view.passwordSet,
    from: view.from,
    reply_to: view.replyTo,
    updated_at: iso(view.updatedAt),
    updated_by: view.updatedBy,
  };
}

function input(body: Static<typeof SettingsBody>): EmailSettingsInput {
  return {
    host: body.host,
    port: body.port,
    security: body.security,
    username: body.username ?? null,
    from: body.from,
    replyTo: body.reply_to ?? null,
    ...(body.password === undefined ? {} : { password: body.password }),
  };
}

/** The service's refusal as a problem naming the body field (`at` is where the settings sit in the body). */
function asProblem(error: unknown, at: string): never {
  if (!(error instanceof EmailSettingsError)) throw error;
  const fields = error.errors.map((e) => ({
    field: e.path === '(root)' ? at.replace(/\.$/, '') : `${at}${e.path}`,
    reason: e.message,
  }));
  const first = fields[0]!;
  if (error.kind === 'invalid') {
    throw new ApiError(400, 'invalid-request', `${first.field}: ${first.reason}`, fields);
  }
  throw conflict(first.field, first.reason);
}

// The setting a failed check points at, so a form can show the server's words beside it.
const STAGE_FIELDS: Record<SmtpCheckStage, string> = {
  connection: 'host',
  tls: 'security',
  auth: 'password',
  other: 'host',
};

/** Email (SMTP) settings: what is in force and where it comes from, changing them, and checking a server (admin). */
export const settingsRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const runtime = () => app.recoup.runtime;
  const env = (): EmailEnvironment => ({
    smtpUrl: runtime().config.smtpUrl,
    mailFrom: runtime().config.mailFrom,
  });

  app.get(
    '/v1/settings/email',
    {
      config: { access: 'admin' },
      schema: {
        tags: ['settings'],
        summary:
          'The email settings in force and their source: RECOUP_SMTP_URL when set, else the stored settings, ' +
          'else the local outbox. Never the password, only whether one is set',
        response: { 200: EmailSettingsSchema, ...problemResponses },
      },
    },
    async () => present(await emailSettingsView(runtime().database.db, env())),
  );

  app.put(
    '/v1/settings/email',
    {
      config: { access: 'admin' },
      schema: {
        tags: ['settings'],
        summary:
          'Store the SMTP server and sender (the password encrypted; omit it to keep the stored one). Every ' +
          'process sends through them within seconds. 409 while RECOUP_SMTP_URL is set',
        body: SettingsBody,
        response: { 200: EmailSettingsSchema, ...problemResponses },
      },
    },
    async (request) => {
      const p = request.principal!;
      audited(request, 'settings', EMAIL_SETTINGS_KEY);
      const { database, deps } = runtime();
      const view = await saveEmailSettings(database.db, deps.cipher, env(), {
        settings: input(request.body),
        actor: `${p.kind}:${p.id}`,
        now: app.recoup.now(),
      }).catch((error: unknown) => asProblem(error, 'body.'));
      reloadEmailSettings(deps.channels);
      return present(view);
    },
  );

  app.post(
    '/v1/settings/email/verify',
    {
      config: { access: 'admin' },
      schema: {
        tags: ['settings'],
        summary:
          'Connect to the SMTP server and sign in, sending nothing: the settings given, else those in force. ' +
          'Answers within 10 s; 502 with the server’s reason when it fails',
        body: VerifyBody,
        response: {
          200: Type.Object({ ok: Type.Literal(true) }),
          ...problemResponses,
          502: Type.Ref('Problem'),
        },
      },
    },
    async (request) => {
      audited(request, 'settings', EMAIL_SETTINGS_KEY);
      const { database, deps } = runtime();
      const candidate = request.body.settings;
      const check = await verifyEmailSettings(
        database.db,
        deps.cipher,
        env(),
        candidate ? input(candidate) : null,
      ).catch((error: unknown) => asProblem(error, 'body.settings.'));
      if (check.ok) return { ok: true as const };
      const field = `body.settings.${STAGE_FIELDS[check.stage]}`;
      throw new ApiError(502, 'smtp-check-failed', `the mail server check failed: ${check.reason}`, [
        { field, reason: check.reason },
      ]);
    },
  );
};
