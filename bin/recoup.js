#!/usr/bin/env node
// Runs the precompiled CLI in dist/cli (built by `npm install` and by the test run) while it was built from the
// sources as they are now; else, after an edit or before any build, the TypeScript sources through tsx. Either way
// the command is the code you are reading: the build is only ever a faster way to run the same sources.
import module from 'node:module';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { CLI_BUILD_DIR, cliBuildIsCurrent } from '../scripts/build-cli.mjs';

// Node 22 and later keep the compiled code of every module on disk, for the next start (Node 20 has no such cache).
module.enableCompileCache?.();

if (cliBuildIsCurrent()) {
  // A trace (printed with --verbose) names the TypeScript lines, not the bundle's; reading the maps costs a few
  // hundredths of a second at every start, so only then.
  if (process.argv.includes('--verbose')) process.setSourceMapsEnabled(true);
  await import(pathToFileURL(join(CLI_BUILD_DIR, 'main.js')).href);
} else {
  const { register } = await import('tsx/esm/api');
  register();
  await import('../src/cli/main.ts');
}
