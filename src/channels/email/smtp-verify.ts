import nodemailer from 'nodemailer';
import { smtpFailure } from './smtp-failure.ts';
import type { SmtpSettings } from './smtp-url.ts';

/** The stage a connection check failed at: reaching the server, securing the connection, or signing in. */
export type SmtpCheckStage = 'connection' | 'tls' | 'auth' | 'other';

/** What a mail server said to a connection check: fine, or its reason (with any password blanked out). */
export type SmtpCheck = { ok: true } | { ok: false; stage: SmtpCheckStage; reason: string };

const STAGES: Record<string, SmtpCheckStage> = {
  ECONNECTION: 'connection',
  EDNS: 'connection',
  ESOCKET: 'connection',
  ETIMEDOUT: 'connection',
  ETLS: 'tls',
  EREQUIRETLS: 'tls',
  EAUTH: 'auth',
};

/**
 * Connects to the server, negotiates TLS as configured and authenticates, then quits without sending anything
 * (nodemailer's `verify()`). Gives up after `timeoutMs` in all, whatever stage it is at.
 */
export async function verifySmtp(settings: SmtpSettings, timeoutMs = 10_000): Promise<SmtpCheck> {
  const secrets = [settings.auth?.pass ?? '', encodeURIComponent(settings.auth?.pass ?? '')];
  const transport = nodemailer.createTransport({
    ...settings,
    connectionTimeout: timeoutMs,
    greetingTimeout: timeoutMs,
    socketTimeout: timeoutMs,
    logger: false,
    debug: false,
  });
  let timer: NodeJS.Timeout | undefined;
  // Each of nodemailer's timeouts covers one stage; this one bounds them together.
  const expired = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(Object.assign(new Error(`no answer within ${timeoutMs / 1000} s`), { code: 'ETIMEDOUT' })),
      timeoutMs,
    );
  });
  try {
    await Promise.race([transport.verify(), expired]);
    return { ok: true };
  } catch (error) {
    const code = (error as { code?: unknown }).code;
    const stage = (typeof code === 'string' && STAGES[code]) || 'other';
    return { ok: false, stage, reason: smtpFailure(error, secrets).error };
  } finally {
    clearTimeout(timer);
    transport.close();
  }
}
