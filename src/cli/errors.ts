/** Bad input from the person at the keyboard: printed as one line, exit code 2. */
export class UsageError extends Error {}

/**
 * Exit codes: 0 done, 1 an unexpected error (a bug: report it), 2 the input was wrong and nothing was changed,
 * 3 something Recoup needs is missing or out of reach (database, folder, port).
 */
export const EXIT = { ok: 0, failure: 1, badInput: 2, unavailable: 3 } as const;
