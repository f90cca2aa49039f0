import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

/**
 * Vitest global setup: rebuilds web/dist and the precompiled CLI (dist/cli) when their sources changed, so browser
 * tests see the current dashboard and every spawned `recoup` runs the current code from the build, not through tsx.
 */
export default function setup(): void {
  for (const script of ['build-web.mjs', 'build-cli.mjs'])
    execFileSync(process.execPath, [fileURLToPath(new URL(`../../scripts/${script}`, import.meta.url))], {
      stdio: 'inherit',
    });
}
