#!/usr/bin/env node
// Builds the dashboard into web/dist when it is missing or older than its sources. npm runs this after install
// (prepare) and before `npm start` / `npm run demo`, so the README's two commands serve a current dashboard.
// `--force` always builds.
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const web = fileURLToPath(new URL('../web/', import.meta.url));
const built = join(web, 'dist', 'index.html');

function newest(path) {
  const stat = statSync(path);
  if (!stat.isDirectory()) return stat.mtimeMs;
  let latest = stat.mtimeMs;
  for (const entry of readdirSync(path)) {
    if (entry === 'dist' || entry === 'node_modules') continue;
    latest = Math.max(latest, newest(join(path, entry)));
  }
  return latest;
}

/** True when web/dist is missing or any source under web/ changed after it was built. */
export function dashboardIsStale() {
  return !existsSync(built) || newest(web) > statSync(built).mtimeMs;
}

/** Runs `vite build` for web/ in this process. */
export async function buildDashboard() {
  // Vitest sets NODE_ENV=test, and Vite would then bundle React's development build.
  process.env.NODE_ENV = 'production';
  let vite;
  try {
    vite = await import('vite');
  } catch {
    console.warn('recoup: vite is not installed (a production install?); the dashboard is not built.');
    return;
  }
  await vite.build({ configFile: join(web, 'vite.config.ts'), mode: 'production', logLevel: 'warn' });
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  if (process.argv.includes('--force') || dashboardIsStale()) {
    const began = performance.now();
    await buildDashboard();
    console.log(`recoup: dashboard built into web/dist in ${((performance.now() - began) / 1000).toFixed(1)} s`);
  }
}
