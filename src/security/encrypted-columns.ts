/**
 * Every column Recoup encrypts at rest, by table. Rotation, erasure and the tests walk this list, so a new
 * encrypted column is added here as well as to its writer and reader.
 */
export const ENCRYPTED_COLUMNS = {
  customers: ['email', 'phone', 'address'],
  messages: ['recipient'],
  settings: ['secret'],
} as const;

export type EncryptedTable = keyof typeof ENCRYPTED_COLUMNS;

/** The column that names a row of each encrypted table: the `id` a value is bound to in its field context. */
export const ROW_KEYS: Record<EncryptedTable, string> = { customers: 'id', messages: 'id', settings: 'key' };

/** What a value is bound to (its table, column and row), so a value moved elsewhere does not decrypt. */
export function fieldContext(table: EncryptedTable, column: string, id: string): string {
  return `${table}.${column}:${id}`;
}
