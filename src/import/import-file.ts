import { access, constants } from 'node:fs/promises';
import type { FieldCipher } from '../security/field-cipher.ts';
import { type Database, writeTransaction } from '../store/database.ts';
import type { Encoding } from './decode-lines.ts';
import { ImportError, type ImportProblem } from './errors.ts';
import { customerSpec } from './kinds/customers.ts';
import { invoiceSpec } from './kinds/invoices.ts';
import { paymentMethodSpec } from './kinds/payment-methods.ts';
import type { RowSpec } from './kinds/row-spec.ts';
import type { Planner } from './plan.ts';
import { planCustomers } from './plan-customers.ts';
import { planInvoices } from './plan-invoices.ts';
import { planPaymentMethods } from './plan-payment-methods.ts';
import { readRows } from './read-rows.ts';
import { validateRows } from './validate-rows.ts';

export type ImportKind = 'customers' | 'payment-methods' | 'invoices';

/** What an import did: rows read, and how many records it inserted, updated or found already up to date. */
export interface ImportReport {
  readonly kind: ImportKind;
  readonly rows: number;
  readonly inserted: number;
  readonly updated: number;
  readonly unchanged: number;
  readonly paymentsRecorded: number;
}

export interface ImportOptions {
  readonly now: number;
  /** Encrypts contact data on its way in (and decrypts stored rows to compare them). */
  readonly cipher: FieldCipher;
  /** Called with the number of rows read so far, every 1,000 rows and once at the end. */
  readonly onProgress?: (rows: number) => void;
  /** How the file's bytes are read as text; UTF-8 when not given. */
  readonly encoding?: Encoding;
}

/**
 * Imports a CSV or JSONL file of one kind, all or nothing: every row is validated and checked against the
 * database first, and only a file without a single problem is written, in one transaction. Rows are matched on
 * external_id, so importing the same file twice changes nothing.
 */
export async function importFile(
  database: Database,
  kind: ImportKind,
  path: string,
  options: ImportOptions,
): Promise<ImportReport> {
  switch (kind) {
    case 'customers':
      return run(database, kind, customerSpec, planCustomers, path, options);
    case 'payment-methods':
      return run(database, kind, paymentMethodSpec, planPaymentMethods, path, options);
    case 'invoices':
      return run(database, kind, invoiceSpec, planInvoices, path, options);
  }
}

async function run<F>(
  database: Database,
  kind: ImportKind,
  spec: RowSpec<F>,
  planner: Planner<F>,
  path: string,
  options: ImportOptions,
): Promise<ImportReport> {
  const source = readRows(path, spec.columns, options.encoding);
  try {
    await access(path, constants.R_OK);
  } catch (error) {
    throw new ImportError([
      { line: 0, column: '(file)', message: `cannot read ${path}: ${(error as Error).message}` },
    ]);
  }
  const { rows, count, problems } = await validateRows(source, spec, options.onProgress);
  if (problems.length > 0) {
    // Still compare the valid rows with the database so one run reports every problem, not just the first kind.
    const context = { now: options.now, lock: false, cipher: options.cipher, attributeFailures: true };
    const plan = rows.length > 0 ? await planner(database.db, rows, context) : null;
    throw new ImportError(byLine([...problems, ...(plan?.problems ?? [])]));
  }
  return writeTransaction(database, async (trx) => {
    // Planned inside the transaction (on PostgreSQL with the invoices locked) so the writes rest on what the
    // database holds at commit time, not on what it held while the file was being read.
    const lock = database.dialect === 'postgres';
    const plan = await planner(trx, rows, {
      now: options.now,
      lock,
      cipher: options.cipher,
      attributeFailures: true,
    });
    if (plan.problems.length > 0) throw new ImportError(byLine(plan.problems));
    const paymentsRecorded = await plan.write(trx);
    const { inserted, updated, unchanged } = plan;
    return { kind, rows: count, inserted, updated, unchanged, paymentsRecorded };
  });
}

function byLine(problems: readonly ImportProblem[]): ImportProblem[] {
  return [...problems].sort((a, b) => a.line - b.line);
}
