/**
 * One problem with an import file: the physical line (0 for the file as a whole), the column (or `(line)` for the
 * whole line) and why.
 */
export interface ImportProblem {
  readonly line: number;
  readonly column: string;
  readonly message: string;
}

// Enough to fix a systematic mistake without burying the terminal; the full list stays on `errors`.
const LISTED = 50;

/** Formats problems one per line, as people read them: `line 17, column due_date: expected …`. */
export function formatProblems(problems: readonly ImportProblem[]): string {
  const lines = problems
    .slice(0, LISTED)
    .map((p) => (p.line === 0 ? `file: ${p.message}` : `line ${p.line}, column ${p.column}: ${p.message}`));
  if (problems.length > LISTED) lines.push(`… and ${problems.length - LISTED} more`);
  return lines.join('\n');
}

/** Raised when a file cannot be imported; nothing from the file has been written. */
export class ImportError extends Error {
  readonly errors: readonly ImportProblem[];

  constructor(errors: readonly ImportProblem[]) {
    super(formatProblems(errors));
    this.name = 'ImportError';
    this.errors = errors;
  }
}
