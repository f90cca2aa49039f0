import { describe, expect, it } from 'vitest';
import { emailSettingsProblems, hostProblem, mailboxProblem } from '../../src/domain/email-settings.ts';

describe('email settings checks', () => {
  it('takes one RFC 5322 mailbox, with or without a display name', () => {
    for (const ok of [
      'Acme Billing <billing@acme.test>',
      'billing@acme.test',
      '"Acme, Inc." <billing@acme.test>',
      'Jürgen Groß <j.gross@example.de>',
      '<billing@acme.test>',
    ]) {
      expect(mailboxProblem(ok), ok).toBeNull();
    }
    for (const bad of [
      'billing',
      'billing at acme.test',
      'a@acme.test, b@acme.test',
      'Team: a@acme.test;',
      'Acme <billing@>',
      'Acme <billing@acme>',
      'Acme <billing@acme.test>\r\nBcc: x@evil.test',
      '',
    ]) {
      expect(mailboxProblem(bad), bad).not.toBeNull();
    }
  });

  it('takes host names and IP addresses, not URLs or words with spaces', () => {
    for (const ok of ['smtp.example.com', 'localhost', '127.0.0.1', '::1', 'mail-1.eu.example.org']) {
      expect(hostProblem(ok), ok).toBeNull();
    }
    for (const bad of [
      'smtp example com',
      'smtp://mail.example.com',
      '-mail.example.com',
      '[::1]',
      'a_b.example',
    ]) {
      expect(hostProblem(bad), bad).not.toBeNull();
    }
  });

  it('names every field at fault, as the API calls it', () => {
    const errors = emailSettingsProblems({
      host: 'not a host',
      port: 587,
      security: 'starttls',
      username: null,
      from: 'nobody',
      replyTo: 'also nobody',
    });
    expect(errors.map((e) => e.path)).toEqual(['host', 'from', 'reply_to']);
  });
});
