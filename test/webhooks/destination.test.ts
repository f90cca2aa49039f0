import { type IncomingHttpHeaders, createServer, request } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
import {
  type AddressClass,
  classifyAddress,
  destinationUrlProblem,
  isPublicAddress,
} from '../../src/webhooks/destination.ts';
import { pinnedLookup, resolveDestination } from '../../src/webhooks/resolve-destination.ts';

const ADDRESSES: [string, AddressClass][] = [
  // IPv4
  ['8.8.8.8', 'public'],
  ['1.1.1.1', 'public'],
  ['93.184.215.14', 'public'],
  ['172.32.0.1', 'public'],
  ['100.128.0.1', 'public'],
  ['0.0.0.0', 'unspecified'],
  ['0.1.2.3', 'reserved'],
  ['127.0.0.1', 'loopback'],
  ['127.255.255.254', 'loopback'],
  ['10.0.0.5', 'private'],
  ['172.16.0.1', 'private'],
  ['172.31.255.255', 'private'],
  ['192.168.1.1', 'private'],
  ['169.254.169.254', 'link-local'],
  ['100.64.0.1', 'shared'],
  ['100.127.255.255', 'shared'],
  ['224.0.0.251', 'multicast'],
  ['239.255.255.250', 'multicast'],
  ['192.0.2.10', 'documentation'],
  ['198.51.100.7', 'documentation'],
  ['203.0.113.9', 'documentation'],
  ['198.18.0.1', 'reserved'],
  ['240.0.0.1', 'reserved'],
  ['255.255.255.255', 'reserved'],
  // IPv6
  ['2606:4700:4700::1111', 'public'],
  ['2a00:1450:4001:81c::200e', 'public'],
  ['::', 'unspecified'],
  ['::1', 'loopback'],
  ['0:0:0:0:0:0:0:1', 'loopback'],
  ['[::1]', 'loopback'],
  ['fc00::1', 'private'],
  ['fd12:3456:789a::1', 'private'],
  ['fe80::1', 'link-local'],
  ['fe80::1%eth0', 'reserved'],
  ['ff02::1', 'multicast'],
  ['2001:db8::1', 'documentation'],
  ['3fff::1', 'documentation'],
  ['2001::1', 'reserved'],
  ['4000::1', 'reserved'],
  ['::127.0.0.1', 'reserved'],
  // IPv6 carrying IPv4: judged by the IPv4 address
  ['::ffff:127.0.0.1', 'loopback'],
  ['::ffff:7f00:1', 'loopback'],
  ['::ffff:10.0.0.5', 'private'],
  ['::ffff:169.254.169.254', 'link-local'],
  ['::ffff:8.8.8.8', 'public'],
  ['64:ff9b::10.0.0.5', 'private'],
  ['64:ff9b::8.8.8.8', 'public'],
  ['2002:a00:5::1', 'private'],
  ['2002:808:808::1', 'public'],
  // Not an address
  ['localhost', 'reserved'],
  ['', 'reserved'],
];

describe('webhook destinations', () => {
  it.each(ADDRESSES)('classifies %s as %s', (address, kind) => {
    expect(classifyAddress(address)).toBe(kind);
    expect(isPublicAddress(address)).toBe(kind === 'public');
  });

  it('checks typed URLs: http(s) only, no credentials, no non-public IP literal however spelled', () => {
    const refused = (url: string) => destinationUrlProblem(url, false);
    expect(refused('https://hooks.example.com/recoup')).toBeNull();
    expect(refused('https://8.8.8.8/hook')).toBeNull();
    expect(refused('http://[2606:4700:4700::1111]:8080/')).toBeNull();
    // Names are resolved when delivering, not here.
    expect(refused('http://localhost:4000/')).toBeNull();
    expect(refused('http://169.254.169.254/latest/meta-data/')).toBe(
      'destination is a link-local address 169.254.169.254; set RECOUP_WEBHOOK_ALLOW_PRIVATE=true to allow',
    );
    expect(refused('http://10.0.0.5/')).toBe(
      'destination is a private address 10.0.0.5; set RECOUP_WEBHOOK_ALLOW_PRIVATE=true to allow',
    );
    expect(refused('http://0.0.0.0:4000/')).toMatch(/^destination is an unspecified address 0\.0\.0\.0;/);
    for (const spelled of ['http://0x7f000001/', 'http://2130706433/', 'http://127.1/', 'http://0177.0.0.1/'])
      expect(refused(spelled), spelled).toMatch(/^destination is a loopback address 127\.0\.0\.1;/);
    expect(refused('http://[::ffff:127.0.0.1]/')).toMatch(
      /^destination is a loopback address ::ffff:7f00:1;/,
    );
    expect(refused('http://[fd00::1]/')).toMatch(/^destination is a private address fd00::1;/);
    expect(refused('https://user:pass@example.com/')).toMatch(/must not carry credentials/);
    expect(refused('https://token@example.com/')).toMatch(/must not carry credentials/);
    expect(refused('ftp://example.com/')).toBe('expected an http(s) URL, got ftp:');
    expect(refused('example.com/hook')).toMatch(/^expected an absolute http\(s\) URL/);
    // Allowed private destinations still refuse credentials and other schemes.
    expect(destinationUrlProblem('http://127.0.0.1:9/', true)).toBeNull();
    expect(destinationUrlProblem('http://u:p@127.0.0.1:9/', true)).toMatch(/credentials/);
    expect(destinationUrlProblem('file:///etc/passwd', true)).toMatch(/http\(s\)/);
  });

  it('refuses a name that resolves to a non-public address, unless private destinations are allowed', async () => {
    const localhost = await resolveDestination(new URL('http://localhost:9/'), false);
    expect(localhost).toEqual({
      refused: expect.stringMatching(
        /^destination resolves to a loopback address (127\.0\.0\.1|::1); set RECOUP_WEBHOOK_ALLOW_PRIVATE=true to allow$/,
      ),
    });
    expect(await resolveDestination(new URL('http://127.0.0.1:9/'), false)).toEqual({
      refused: 'destination is a loopback address 127.0.0.1; set RECOUP_WEBHOOK_ALLOW_PRIVATE=true to allow',
    });
    expect(await resolveDestination(new URL('http://localhost:9/'), true)).toEqual({ lookup: undefined });
    expect(await resolveDestination(new URL('https://8.8.8.8/'), false)).toEqual({ lookup: undefined });
    expect(await resolveDestination(new URL('http://a:b@localhost:9/'), true)).toEqual({
      refused: 'destination URL carries credentials (user:pass@); remove them',
    });
  });

  it('connects to the pinned addresses, whatever the name would resolve to now', async () => {
    const seen: IncomingHttpHeaders[] = [];
    const server = createServer((req, res) => {
      seen.push(req.headers);
      res.writeHead(204).end();
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    // `.invalid` never resolves (RFC 6761): reaching the server proves the connection used the pinned address.
    const post = (family?: 4 | 6) =>
      new Promise<number>((resolve, reject) => {
        const req = request(`http://pinned.invalid:${port}/`, {
          method: 'POST',
          lookup: pinnedLookup([{ address: '127.0.0.1', family: 4 }]),
          ...(family === undefined ? {} : { family }),
        });
        req.on('response', (res) => {
          res.resume();
          resolve(res.statusCode ?? 0);
        });
        req.on('error', reject);
        req.end('{}');
      });
    try {
      expect(await post()).toBe(204);
      expect(seen[0]?.host).toBe(`pinned.invalid:${port}`);
      await expect(post(6)).rejects.toMatchObject({ code: 'ENOTFOUND' });
      expect(seen).toHaveLength(1);
    } finally {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    }
  });
});
