import { randomBytes } from 'node:crypto';
import { chmodSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inspect } from 'node:util';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src/config/env.ts';
import { FieldCipher } from '../../src/security/field-cipher.ts';
import { addKeyToFile, loadOrCreateKeyFile, readKeyFile } from '../../src/security/key-file.ts';
import { KeyringError, parseKeyList } from '../../src/security/keyring.ts';

const key = () => randomBytes(32).toString('base64');

describe('RECOUP_ENCRYPTION_KEYS', () => {
  it('parses keyId:base64 pairs, the first one active, in either base64 alphabet', () => {
    const a = randomBytes(32);
    const b = randomBytes(32);
    const ring = parseKeyList(` new:${a.toString('base64url')} , old:${b.toString('base64')}`);
    expect(ring.activeId).toBe('new');
    expect(ring.ids).toEqual(['new', 'old']);
    expect(ring.material('new')!.equals(a)).toBe(true);
    expect(ring.material('old')!.equals(b)).toBe(true);
  });

  it.each([
    ['', /expected keyId:base64-32-bytes/],
    [`:${key()}`, /entry 1 must be keyId:base64-32-bytes \(missing the key id\)/],
    [`k1${key()}`, /entry 1 must be keyId:base64-32-bytes/],
    [`bad id:${key()}`, /entry 1: key id must be 1-64 letters/],
    ['k1:not*base64!', /key 'k1' is not base64/],
    [`k1:${randomBytes(16).toString('base64')}`, /key 'k1' must decode to 32 bytes, got 16/],
    [`k1:${key()},k1:${key()}`, /key id 'k1' appears twice/],
  ])('refuses %j, naming the variable and the reason', (value, reason) => {
    expect(() => parseKeyList(value)).toThrow(KeyringError);
    expect(() => parseKeyList(value)).toThrow(reason);
    expect(() => loadConfig({ RECOUP_ENCRYPTION_KEYS: value || ',' })).toThrow(ConfigError);
    expect(() => loadConfig({ RECOUP_ENCRYPTION_KEYS: value || ',' })).toThrow(/^RECOUP_ENCRYPTION_KEYS: /);
  });

  it('never echoes key material in an error, a log line or a serialised config', () => {
    const secret = randomBytes(20).toString('base64');
    const error = (() => {
      try {
        parseKeyList(`k1:${secret}`);
      } catch (e) {
        return (e as Error).message;
      }
      return '';
    })();
    expect(error).toMatch(/must decode to 32 bytes/);
    expect(error).not.toContain(secret);

    const material = key();
    const config = loadConfig({ RECOUP_ENCRYPTION_KEYS: `k1:${material}` });
    expect(config.encryptionKeys?.activeId).toBe('k1');
    expect(JSON.stringify(config)).not.toContain(material);
    expect(inspect(config, { depth: 5 })).not.toContain(material);
    expect(JSON.stringify(config.encryptionKeys)).toBe('{"active":"k1","ids":["k1"]}');
  });

  it('falls back to the key file when the variable is unset', () => {
    expect(loadConfig({})).toMatchObject({
      encryptionKeys: null,
      encryptionKeyFile: './.recoup/encryption-keys.json',
    });
    expect(loadConfig({ RECOUP_ENCRYPTION_KEY_FILE: '/etc/recoup/keys.json' }).encryptionKeyFile).toBe(
      '/etc/recoup/keys.json',
    );
  });
});

describe('the key file', () => {
  let dir: string;
  let path: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'recoup-keys-'));
    path = join(dir, 'state', 'encryption-keys.json');
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('is created on first use with one random key, readable by its owner only, and reused after', () => {
    expect(readKeyFile(path)).toBeNull();
    const first = loadOrCreateKeyFile(path);
    expect(statSync(path).mode & 0o777).toBe(0o600);
    expect(first.ids).toHaveLength(1);
    const again = loadOrCreateKeyFile(path);
    expect(again.ids).toEqual(first.ids);
    expect(again.material(again.activeId)!.equals(first.material(first.activeId)!)).toBe(true);
  });

  it('gains a new active key with --generate and keeps the old one for older values', () => {
    const before = loadOrCreateKeyFile(path);
    const created = JSON.parse(readFileSync(path, 'utf8')).keys[0].created_at;
    const sealed = new FieldCipher(before).seal('ana@example.com', 'customers.email:cus_1');
    const added = addKeyToFile(path, Date.now() + 86_400_000);
    const after = readKeyFile(path)!;
    expect(after.activeId).toBe(added.id);
    expect(after.ids).toEqual([added.id, before.activeId]);
    expect(new FieldCipher(after).open(sealed, 'customers.email:cus_1')).toBe('ana@example.com');
    expect(statSync(path).mode & 0o777).toBe(0o600);
    // The older key is copied as written, creation date included.
    expect(JSON.parse(readFileSync(path, 'utf8')).keys[1].created_at).toBe(created);
  });

  it('is refused when others can read it, or when it is not a key file', () => {
    loadOrCreateKeyFile(path);
    chmodSync(path, 0o644);
    expect(() => readKeyFile(path)).toThrow(
      /RECOUP_ENCRYPTION_KEY_FILE \(.*\): readable by other users \(mode 644\)/,
    );
    writeFileSync(join(dir, 'broken.json'), '{not json', { mode: 0o600 });
    expect(() => readKeyFile(join(dir, 'broken.json'))).toThrow(/not valid JSON/);
    writeFileSync(join(dir, 'short.json'), JSON.stringify({ version: 1, keys: [{ id: 'k', key: 'AAAA' }] }), {
      mode: 0o600,
    });
    expect(() => readKeyFile(join(dir, 'short.json'))).toThrow(/key 'k' must decode to 32 bytes, got 3/);
  });
});
