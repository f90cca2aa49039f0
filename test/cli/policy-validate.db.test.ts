import { describe, expect, it } from 'vitest';
import { useCliDatabase } from '../support/cli-database.ts';
import { TEST_DB } from '../support/databases.ts';
import { runRecoup } from '../support/processes.ts';
import { snapshot } from '../support/snapshot.ts';

/** A policy whose retry limits allow `max` attempts per method in 30 days, and says so when `allowed`. */
const limited = (max: number, allowed = false) => `name: eager-retries
anchor: first_failure
retryLimits: { maxAttemptsPerMethod: ${max}, windowDays: 30 }
${allowed ? 'allowAboveNetworkLimits: true\n' : ''}steps:
  - { id: a, offset: P1D, action: retry }
  - { id: b, offset: P2D, action: remind, channel: email, template: payment-failed }
`;

// Schema errors (an unknown field, a wrong channel) beside a duplicate step id, an unknown template and limits
// above the networks': every one is reported in the same run.
const MANY_PROBLEMS = `name: eager-retries
anchor: first_failure
retryLimits: { maxAttemptsPerMethod: 100, windowDays: 30 }
steps:
  - { id: a, offset: P1D, action: retry, colour: red }
  - { id: a, offset: P2D, action: remind, channel: email, template: no-such-template }
  - { id: c, offset: P3D, action: remind, channel: pigeon, template: payment-failed }
`;

// Each test runs the real CLI several times (up to 12 s a run on a busy two-core CI machine).
describe(`recoup policy validate|apply: every problem in one pass, the networks' retry limits, on ${TEST_DB}`, {
  timeout: 180_000,
}, () => {
  const cli = useCliDatabase('recoup-cli-policy-');

  async function expectRefused(command: 'validate' | 'apply', file: string) {
    const before = await snapshot(cli.database.db);
    const result = await runRecoup(['policy', command, file], cli.env);
    expect(result.code, result.stderr).toBe(2);
    expect(result.stderr).not.toMatch(/^\s+at /m);
    expect(await snapshot(cli.database.db)).toEqual(before);
    return result.stderr.trimEnd().split('\n');
  }

  it('reports schema errors, a duplicate step id, an unknown template and the limits together', async () => {
    const file = cli.file('many.yaml', MANY_PROBLEMS);
    for (const command of ['validate', 'apply'] as const) {
      const lines = await expectRefused(command, file);
      expect(lines[0]).toBe(`recoup: ${file}: invalid policy`);
      expect(lines.slice(1)).toEqual([
        expect.stringMatching(
          /^retryLimits\.maxAttemptsPerMethod: 100 attempts per method in 30 days is above the card networks' 15 in 30 days/,
        ),
        'steps[0].colour: Unexpected property',
        "steps[1].id: duplicate step id 'a'",
        "steps[1].template: no template named 'no-such-template'",
        expect.stringMatching(/^steps\[2\]\.channel: expected 'email'/),
      ]);
    }
  });

  it("refuses limits above the card networks' 15 attempts in 30 days, and accepts 15", async () => {
    const above = cli.file('above.yaml', limited(16));
    for (const command of ['validate', 'apply'] as const) {
      const lines = await expectRefused(command, above);
      expect(lines[1]).toMatch(/; lower it, or set allowAboveNetworkLimits: true$/);
    }
    const atCap = await runRecoup(['policy', 'validate', cli.file('cap.yaml', limited(15))], cli.env);
    expect(atCap.code, atCap.stderr).toBe(0);
    expect(atCap.stderr).toBe('');
  });

  it('accepts higher limits the policy allows, with a warning on validate and apply', async () => {
    const file = cli.file('allowed.yaml', limited(100, true));
    const warning = `recoup: warning: ${file}: retryLimits.maxAttemptsPerMethod: 100 attempts per method in 30 days is above the card networks' 15 in 30 days (issuers fine or block reattempts past it); allowed by allowAboveNetworkLimits`;
    const validated = await runRecoup(['policy', 'validate', file], cli.env);
    expect(validated.code, validated.stderr).toBe(0);
    expect(validated.stdout).toContain(`${file}: valid policy 'eager-retries' with 2 steps`);
    expect(validated.stderr.trimEnd()).toBe(warning);
    const applied = await runRecoup(['policy', 'apply', file], cli.env);
    expect(applied.code, applied.stderr).toBe(0);
    expect(applied.stdout).toContain('applied eager-retries@1');
    expect(applied.stderr.trimEnd()).toBe(warning);
  });
});
