/** Bad input from the person at the keyboard: printed as one line, exit code 2. */
export class UsageError extends Error {}

/** Exit codes: 0 done, 1 something broke, 2 the input was wrong and nothing was changed. */
export const EXIT = { ok: 0, failure: 1, badInput: 2 } as const;
