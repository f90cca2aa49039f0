import type { SendResult } from '../channel.ts';

type Failure = Extract<SendResult, { status: 'failed' }>;

/**
 * Classifies a nodemailer error: a 5xx reply is the server refusing this message for good; 4xx replies and
 * connection trouble may pass. Authentication failures are the operator's to fix, so the message stays retryable.
 */
export function smtpFailure(error: unknown, secrets: readonly string[]): Failure {
  const { code, responseCode, message } = error as {
    code?: unknown;
    responseCode?: unknown;
    message?: unknown;
  };
  const reply = typeof responseCode === 'number' ? responseCode : null;
  const isAuth = code === 'EAUTH';
  const noRecipient = code === 'EENVELOPE' && reply === null;
  const permanent = !isAuth && ((reply !== null && reply >= 500 && reply < 600) || noRecipient);
  const text = [typeof code === 'string' ? code : 'ERROR', reply ?? '', String(message ?? error)].join(' ');
  return { status: 'failed', error: redact(text.replace(/\s+/g, ' ').trim(), secrets), permanent };
}

function redact(text: string, secrets: readonly string[]): string {
  let out = text;
  for (const secret of secrets) {
    if (secret) out = out.split(secret).join('***');
  }
  return out;
}
