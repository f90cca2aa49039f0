import {
  closeSync,
  fsyncSync,
  linkSync,
  mkdirSync,
  openSync,
  readFileSync,
  renameSync,
  statSync,
  unlinkSync,
  writeSync,
} from 'node:fs';
import { dirname, resolve } from 'node:path';
import { type EncryptionKey, Keyring, KeyringError, decodeKey, generateKey } from './keyring.ts';

export const KEY_FILE_VARIABLE = 'RECOUP_ENCRYPTION_KEY_FILE';
/** Next to the rest of the local state (outbox, demo outbox), so the embedded quick start needs no setup. */
export const DEFAULT_KEY_FILE = './.recoup/encryption-keys.json';

/** The key file: the first key is active, the others decrypt older values until a rotation retires them. */
interface KeyFileDocument {
  readonly version: 1;
  readonly keys: { readonly id: string; readonly key: string; readonly created_at: string }[];
}

/** Reads the key file, creating it (mode 0600, one random key) when it does not exist yet. */
export function loadOrCreateKeyFile(path: string): Keyring {
  const existing = readKeyFile(path);
  if (existing) return existing;
  const file = resolve(path);
  mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
  const temporary = `${file}.${process.pid}.${Date.now()}.tmp`;
  writeDocument(temporary, [entry(generateKey())]);
  try {
    // link() fails if the file exists: of two processes starting at once, one key file wins and both use it.
    linkSync(temporary, file);
    syncDirectory(dirname(file));
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
  } finally {
    unlinkSync(temporary);
  }
  return readKeyFile(path)!;
}

/** Reads the key file, or null when there is none; throws KeyringError for a file that cannot be used. */
export function readKeyFile(path: string): Keyring | null {
  const source = `${KEY_FILE_VARIABLE} (${path})`;
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw new KeyringError(`${source}: cannot read: ${(error as Error).message}`);
  }
  // Like ssh with private keys: a key others can read protects nothing, so refuse rather than warn.
  if (process.platform !== 'win32') {
    const mode = statSync(path).mode & 0o777;
    if ((mode & 0o077) !== 0)
      throw new KeyringError(
        `${source}: readable by other users (mode ${mode.toString(8)}); run chmod 600 ${path}`,
      );
  }
  let document: KeyFileDocument;
  try {
    document = JSON.parse(text) as KeyFileDocument;
  } catch {
    throw new KeyringError(`${source}: not valid JSON`);
  }
  if (document?.version !== 1 || !Array.isArray(document.keys))
    throw new KeyringError(`${source}: expected {"version":1,"keys":[{"id":…,"key":…}]}`);
  const keys = document.keys.map((k, i) => {
    if (typeof k?.id !== 'string' || typeof k.key !== 'string')
      throw new KeyringError(`${source}: keys[${i}] needs a string id and key`);
    return { id: k.id, material: decodeKey(k.key, source, k.id) };
  });
  return new Keyring(keys, source);
}

/**
 * Adds a fresh random key to the key file as the new active key, keeping the others for older values. A lock file
 * keeps two concurrent runs from each dropping the other's new key.
 */
export function addKeyToFile(path: string, now = Date.now()): EncryptionKey {
  const file = resolve(path);
  const lock = `${file}.lock`;
  mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
  let handle: number;
  try {
    handle = openSync(lock, 'wx', 0o600);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST')
      throw new KeyringError(
        `${KEY_FILE_VARIABLE} (${path}): another process is changing the key file (remove ${lock} if none is)`,
      );
    throw error;
  }
  try {
    // Validated first, then copied as written so the older keys keep their creation dates.
    const older = readKeyFile(file) ? (JSON.parse(readFileSync(file, 'utf8')) as KeyFileDocument).keys : [];
    const fresh = generateKey(now);
    const temporary = `${file}.${process.pid}.tmp`;
    writeDocument(temporary, [entry(fresh, now), ...older]);
    renameSync(temporary, file);
    syncDirectory(dirname(file));
    return fresh;
  } finally {
    closeSync(handle);
    unlinkSync(lock);
  }
}

type KeyEntry = KeyFileDocument['keys'][number];

function entry(key: EncryptionKey, now = Date.now()): KeyEntry {
  return { id: key.id, key: key.material.toString('base64'), created_at: new Date(now).toISOString() };
}

// Flushed to disk before it is used: data encrypted with a key that a power cut then loses is lost with it.
function writeDocument(path: string, keys: readonly KeyEntry[]): void {
  const document: KeyFileDocument = { version: 1, keys: [...keys] };
  const handle = openSync(path, 'wx', 0o600);
  try {
    writeSync(handle, `${JSON.stringify(document, null, 2)}\n`);
    fsyncSync(handle);
  } finally {
    closeSync(handle);
  }
}

function syncDirectory(path: string): void {
  let handle: number | undefined;
  try {
    handle = openSync(path, 'r');
    fsyncSync(handle);
  } catch {
    // Not every platform can sync a directory (Windows); the file itself is already flushed.
  } finally {
    if (handle !== undefined) closeSync(handle);
  }
}
