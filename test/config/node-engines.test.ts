import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import semver from 'semver';
import { describe, expect, it } from 'vitest';

const root = join(import.meta.dirname, '..', '..');
const manifest = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as {
  engines: { node: string };
};
const lock = JSON.parse(readFileSync(join(root, 'package-lock.json'), 'utf8')) as {
  packages: Record<string, { version?: string; engines?: { node?: string } | string[] }>;
};

// The lowest release of each supported line that package.json accepts: a package needing more than that would
// warn (EBADENGINE) or fail for someone on that line.
const SUPPORTED = ['20.19.0', '22.13.0', '24.0.0'];

describe('Node versions (issue 14, point 12)', () => {
  it('package.json claims Node 20, 22 and 24', () => {
    for (const version of SUPPORTED)
      expect(semver.satisfies(version, manifest.engines.node), version).toBe(true);
  });

  it('every package npm installs runs on every supported Node, so `npm ci` warns of no engine', () => {
    const refused: string[] = [];
    for (const [path, entry] of Object.entries(lock.packages)) {
      const range = Array.isArray(entry.engines) ? undefined : entry.engines?.node;
      if (!path || !range) continue;
      for (const version of SUPPORTED) {
        if (!semver.satisfies(version, range))
          refused.push(`${path}@${entry.version} needs node ${range}, not ${version}`);
      }
    }
    expect(refused).toEqual([]);
  });
});
