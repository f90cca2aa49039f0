import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

/** Vitest global setup: rebuilds web/dist when its sources changed, so browser tests see the current dashboard. */
export default function setup(): void {
  execFileSync(process.execPath, [fileURLToPath(new URL('../../scripts/build-web.mjs', import.meta.url))], {
    stdio: 'inherit',
  });
}
