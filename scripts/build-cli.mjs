#!/usr/bin/env node
// Precompiles the CLI into dist/cli so that `recoup` starts without compiling TypeScript (bin/recoup.js runs the
// build only while it is current, else the sources through tsx). npm runs this after install (prepare), the test
// run before its tests, and `npm start` / `npm run demo` before they start; it builds only when the build is
// missing or older than its sources. `--force` always builds.
import { existsSync, readFileSync, readdirSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
/** The build: dist/cli/main.js and the chunks it imports, with build.json saying which sources it was built from. */
export const CLI_BUILD_DIR = join(root, 'dist', 'cli');
const STAMP = join(CLI_BUILD_DIR, 'build.json');
/**
 * Pure JavaScript packages bundled into the build rather than imported from node_modules: Node resolves, reads and
 * links every module file at start, and kysely, TypeBox and yaml alone were over 550 of the ~850 files a
 * `recoup cases list` opened, half of its start-up; commander, cli-progress and luxon are what every command loads,
 * `recoup --version` included. The other packages stay imports: native addons must, and several read files beside
 * their own code.
 */
const BUNDLED = new Set(['kysely', '@sinclair/typebox', 'yaml', 'commander', 'cli-progress', 'luxon']);
// Besides the sources, the output depends on how it is built and, through the bundled packages, on what npm
// installed (npm rewrites its record of the tree, node_modules/.package-lock.json, at every install).
const INPUTS = [
  join(root, 'src'),
  fileURLToPath(import.meta.url),
  join(root, 'tsconfig.json'),
  join(root, 'package-lock.json'),
  join(root, 'node_modules', '.package-lock.json'),
].filter((path) => existsSync(path));

// Written for speed, since every start runs it: one stat per file, no path module.
function newest(path) {
  const stat = statSync(path);
  let latest = stat.mtimeMs;
  if (!stat.isDirectory()) return latest;
  for (const entry of readdirSync(path, { withFileTypes: true })) {
    const child = `${path}/${entry.name}`;
    const mtime = entry.isDirectory() ? newest(child) : statSync(child).mtimeMs;
    if (mtime > latest) latest = mtime;
  }
  return latest;
}

/** The newest modification time among the build's inputs, folders included. */
function newestInput() {
  return Math.max(...INPUTS.map(newest));
}

/**
 * True when dist/cli was built from the sources as they are now. This runs at every start of `recoup`, so it must be
 * cheap and must never say "current" for code that was changed: it compares the newest modification time of every
 * file and folder under src/ (a few hundred stats, a few milliseconds) with the newest one the build saw when it
 * began. Folders count because deleting, adding or moving a file changes its folder's time even when the file's
 * own time is old. Reading and hashing every source would also catch a file changed in place with its time set
 * back, but costs tens of milliseconds at every start; checking the folders alone, or nothing, is cheaper but would
 * run stale code after an ordinary edit. A build without its stamp (missing, or cut off) is never current.
 */
export function cliBuildIsCurrent() {
  let stamp;
  try {
    stamp = JSON.parse(readFileSync(STAMP, 'utf8'));
  } catch {
    return false;
  }
  return typeof stamp.sourcesMtimeMs === 'number' && newestInput() <= stamp.sourcesMtimeMs;
}

/**
 * Each output file sits in dist/cli, not where its source did, so a module's own URL (by which the code finds the
 * shipped policies, the email templates and the dashboard) is rewritten to its source's URL, relative to the output.
 */
const moduleUrls = {
  name: 'module-urls',
  setup(build) {
    build.onLoad({ filter: /\.ts$/ }, async (args) => {
      const text = await readFile(args.path, 'utf8');
      if (/import\.meta\.(dirname|filename)/.test(text))
        throw new Error(`${args.path}: use import.meta.url, the one the CLI build maps back to the source`);
      const source = relative(CLI_BUILD_DIR, args.path).split(sep).join('/');
      const url = `new URL(${JSON.stringify(source)}, import.meta.url).href`;
      return { contents: text.replaceAll('import.meta.url', url), loader: 'ts' };
    });
  },
};

const packageName = (specifier) => specifier.split('/', specifier.startsWith('@') ? 2 : 1).join('/');

/** Every bare import (Node's own modules and packages) stays an import, except those of the bundled packages. */
const externalPackages = {
  name: 'external-packages',
  setup(build) {
    build.onResolve({ filter: /^[^./]/ }, (args) =>
      BUNDLED.has(packageName(args.path)) ? undefined : { path: args.path, external: true },
    );
  },
};

/**
 * Bundles src/cli/main.ts with esbuild: packages stay imports of node_modules (but for {@link BUNDLED}), and every
 * `await import(…)` of a command stays a separate chunk, loaded only when that command runs. The build is written
 * beside dist/cli and swapped in whole, so a start never sees half of one; returns false without esbuild.
 */
export async function buildCli() {
  let esbuild;
  try {
    esbuild = await import('esbuild');
  } catch {
    console.warn('recoup: esbuild is not installed; `recoup` will run the TypeScript sources through tsx.');
    return false;
  }
  // Taken before esbuild reads anything: a source saved during the build leaves the build stale, not wrongly current.
  const sourcesMtimeMs = newestInput();
  const staging = `${CLI_BUILD_DIR}.tmp-${process.pid}`;
  const previous = `${CLI_BUILD_DIR}.old-${process.pid}`;
  rmSync(staging, { recursive: true, force: true });
  try {
    await esbuild.build({
      entryPoints: [join(root, 'src', 'cli', 'main.ts')],
      outdir: staging,
      bundle: true,
      splitting: true,
      format: 'esm',
      platform: 'node',
      target: 'node20',
      sourcemap: 'linked',
      sourcesContent: false,
      // Two classes of one name in different modules would otherwise be renamed, and logs name an error's class.
      keepNames: true,
      logLevel: 'warning',
      plugins: [moduleUrls, externalPackages],
      // Bundled CommonJS packages require Node's own modules, which an ES module can do only through this.
      banner: {
        js: "import { createRequire as __createRequire } from 'node:module'; const require = __createRequire(import.meta.url);",
      },
    });
    writeFileSync(join(staging, 'build.json'), `${JSON.stringify({ sourcesMtimeMs })}\n`);
    try {
      renameSync(CLI_BUILD_DIR, previous);
    } catch (error) {
      if (error.code !== 'ENOENT') throw error;
    }
    try {
      renameSync(staging, CLI_BUILD_DIR);
    } catch (error) {
      // Another build of the same sources, run at the same time, swapped its own in first.
      if (error.code !== 'ENOTEMPTY' && error.code !== 'EEXIST') throw error;
    }
  } finally {
    rmSync(staging, { recursive: true, force: true });
    rmSync(previous, { recursive: true, force: true });
  }
  return true;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  if (process.argv.includes('--force') || !cliBuildIsCurrent()) {
    const began = performance.now();
    if (await buildCli())
      console.log(`recoup: CLI built into dist/cli in ${((performance.now() - began) / 1000).toFixed(1)} s`);
  }
}
