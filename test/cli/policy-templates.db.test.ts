import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/env.ts';
import { openRuntime } from '../../src/runtime/runtime.ts';
import { saveTemplateVersion } from '../../src/services/templates.ts';
import { TEST_DB } from '../support/databases.ts';
import { useCliDatabase } from '../support/cli-database.ts';
import { runRecoup } from '../support/processes.ts';
import { snapshot } from '../support/snapshot.ts';

/** A two-step policy whose reminder sends `template`. */
const policyUsing = (template: string) => `name: spring-dunning
anchor: first_failure
steps:
  - { id: a, offset: P1D, action: retry }
  - { id: b, offset: P2D, action: remind, channel: email, template: ${template} }
`;

const SAVED = 'spring-reminder';

// Each test runs the real CLI several times, and a CLI process loads all of Recoup: on a busy two-core CI machine
// that is up to 12 s a run, so these tests get three minutes each rather than the suite's one.
describe(`recoup policy validate|apply with templates saved in the database on ${TEST_DB}`, {
  timeout: 180_000,
}, () => {
  const cli = useCliDatabase('recoup-cli-templates-');

  /** Saves the template as `PUT /v1/templates/:name/locales/en` does, through the same service. */
  async function saveTemplate() {
    const runtime = await openRuntime(loadConfig({ ...process.env, ...cli.env }));
    try {
      await saveTemplateVersion(runtime.database, runtime.deps.renderer, runtime.deps.settings, {
        name: SAVED,
        locale: 'en',
        parts: {
          subject: 'Spring reminder: {{ amountDue | money }} is open',
          text: 'Hello {{ customer.name }}, pay at {{ payLink }}',
          html: '<p>Hello {{ customer.name }}, pay at <a href="{{ payLink }}">your account</a></p>',
        },
        actor: { kind: 'cli', id: 'test', name: 'test' },
        now: Date.UTC(2026, 2, 1),
      });
    } finally {
      await runtime.close();
    }
  }

  async function expectUnknownTemplate(command: 'validate' | 'apply', path: string, template: string) {
    const before = await snapshot(cli.database.db);
    const result = await runRecoup(['policy', command, path], cli.env);
    expect(result.code, result.stderr).toBe(2);
    expect(result.stderr).toContain(`steps[1].template: no template named '${template}'`);
    expect(result.stderr).not.toMatch(/\n\s+at /);
    expect(await snapshot(cli.database.db)).toEqual(before);
  }

  it('refuses a saved template before it is saved, and accepts it in validate and apply after', async () => {
    const path = cli.file('spring.yaml', policyUsing(SAVED));
    await expectUnknownTemplate('validate', path, SAVED);
    await expectUnknownTemplate('apply', path, SAVED);

    await saveTemplate();
    const validated = await runRecoup(['policy', 'validate', path], cli.env);
    expect(validated.code, validated.stderr).toBe(0);
    expect(validated.stdout).toContain(`${path}: valid policy 'spring-dunning' with 2 steps`);
    const applied = await runRecoup(['policy', 'apply', path], cli.env);
    expect(applied.code, applied.stderr).toBe(0);
    expect(applied.stdout).toContain('applied spring-dunning@1');
  });

  it('still refuses a template that is neither shipped nor saved', async () => {
    const path = cli.file('unknown.yaml', policyUsing('no-such-template'));
    await expectUnknownTemplate('validate', path, 'no-such-template');
    await expectUnknownTemplate('apply', path, 'no-such-template');
  });

  it('validates against the shipped templates alone without creating a database that does not exist', async () => {
    const missing = join(cli.dir, 'never.db');
    const fresh = { ...cli.env, RECOUP_DATABASE_URL: `sqlite:${missing}` };
    const shipped = await runRecoup(
      ['policy', 'validate', cli.file('shipped.yaml', policyUsing('payment-failed'))],
      fresh,
    );
    expect(shipped.code, shipped.stderr).toBe(0);
    const saved = await runRecoup(['policy', 'validate', cli.file('saved.yaml', policyUsing(SAVED))], fresh);
    expect(saved.code).toBe(2);
    expect(saved.stderr).toContain(`steps[1].template: no template named '${SAVED}'`);
    expect(existsSync(missing)).toBe(false);
  });
});
