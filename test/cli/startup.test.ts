import { execFileSync } from 'node:child_process';
import {
  copyFileSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  realpathSync,
  rmSync,
  symlinkSync,
  utimesSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

// bin/recoup.js and the build script, in a small project of their own whose CLI prints which code ran and where
// it thinks its source file is: the real CLI's build is exercised by every test that spawns `recoup`.
const repo = join(import.meta.dirname, '..', '..');
const project = mkdtempSync(join(tmpdir(), 'recoup-startup-'));
for (const dir of ['bin', 'scripts', 'src/cli']) mkdirSync(join(project, dir), { recursive: true });
copyFileSync(join(repo, 'bin', 'recoup.js'), join(project, 'bin', 'recoup.js'));
copyFileSync(join(repo, 'scripts', 'build-cli.mjs'), join(project, 'scripts', 'build-cli.mjs'));
copyFileSync(join(repo, 'tsconfig.json'), join(project, 'tsconfig.json'));
writeFileSync(join(project, 'package.json'), '{ "type": "module" }\n');
symlinkSync(realpathSync(join(repo, 'node_modules')), join(project, 'node_modules'));
writeFileSync(
  join(project, 'src', 'cli', 'main.ts'),
  "import { fileURLToPath } from 'node:url';\nimport { who } from './who.ts';\n\nconsole.log(who, fileURLToPath(import.meta.url));\n",
);
const setWho = (who: string) =>
  writeFileSync(join(project, 'src', 'cli', 'who.ts'), `export const who: string = '${who}';\n`);
setWho('source');
const sourceFile = join(realpathSync(project), 'src', 'cli', 'main.ts');
const build = join(project, 'dist', 'cli');

afterAll(() => rmSync(project, { recursive: true, force: true }));

/** What the project's `recoup` printed: which code ran, and the source file it says it is. */
function run(): string {
  return execFileSync(process.execPath, [join(project, 'bin', 'recoup.js')], { encoding: 'utf8' }).trim();
}

/** Builds, then marks the build's output so that a run shows whether it came from the build. */
function buildAndMark(): void {
  execFileSync(process.execPath, [join(project, 'scripts', 'build-cli.mjs')]);
  const outputs = readdirSync(build).filter((f) => f.endsWith('.js'));
  let marked = 0;
  for (const file of outputs) {
    const text = readFileSync(join(build, file), 'utf8');
    if (!/"(source|edited source)"/.test(text)) continue;
    writeFileSync(join(build, file), text.replace(/"(source|edited source)"/, '"build"'));
    marked += 1;
  }
  expect(marked).toBe(1);
}

describe('bin/recoup.js runs the precompiled build only while it is current (issue 14, point 11)', () => {
  it('runs the sources through tsx before anything is built', () => {
    expect(run()).toBe(`source ${sourceFile}`);
  });

  it('runs the build once built, and the build knows where its sources are', () => {
    buildAndMark();
    expect(run()).toBe(`build ${sourceFile}`);
  });

  it('runs the sources again as soon as one is edited', () => {
    setWho('edited source');
    expect(run()).toBe(`edited source ${sourceFile}`);
  });

  it('runs the sources when a file is added, even one with an old time', () => {
    buildAndMark();
    expect(run()).toBe(`build ${sourceFile}`);
    const added = join(project, 'src', 'cli', 'added.ts');
    writeFileSync(added, 'export {};\n');
    utimesSync(added, new Date('2001-01-01'), new Date('2001-01-01'));
    expect(run()).toBe(`edited source ${sourceFile}`);
  });

  it('runs the sources when the build has no stamp (a build cut off, or not finished)', () => {
    buildAndMark();
    expect(run()).toBe(`build ${sourceFile}`);
    rmSync(join(build, 'build.json'));
    expect(run()).toBe(`edited source ${sourceFile}`);
  });
});
