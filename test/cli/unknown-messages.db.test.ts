import { describe, expect, it } from 'vitest';
import { useCliDatabase } from '../support/cli-database.ts';
import { TEST_DB } from '../support/databases.ts';
import { runRecoup } from '../support/processes.ts';

describe(`recoup messages on ${TEST_DB}: unknown messages`, () => {
  const cli = useCliDatabase('recoup-cli-unknown-');

  it('lists unknown messages by status, marks one sent, and refuses to resend a sent one', async () => {
    const files = {
      customers: cli.file(
        'c.csv',
        'external_id,name,email,locale,time_zone\nc1,Ada,ada@example.com,en-US,America/New_York\n',
      ),
      methods: cli.file(
        'm.csv',
        'external_id,customer_external_id,token,exp_month,exp_year\npm1,c1,tok_insufficient_funds,12,2030\n',
      ),
      invoices: cli.file(
        'i.csv',
        'external_id,customer_external_id,currency,total,due_date,collection,failed_at,failure_code\ni1,c1,USD,49.00,2026-03-01,charge_automatically,2026-03-01T06:00:00Z,insufficient_funds\n',
      ),
    };
    for (const [kind, file] of [
      ['customers', files.customers],
      ['payment-methods', files.methods],
      ['invoices', files.invoices],
    ] as const) {
      const imported = await runRecoup(['import', kind, file], cli.env);
      expect(imported.code, imported.stderr).toBe(0);
    }
    expect((await runRecoup(['tick', '--now', '2026-03-01T15:00:00Z'], cli.env)).code).toBe(0);
    // As a crash with an SMTP server leaves it.
    const m = await cli.database.db.selectFrom('messages').select('id').executeTakeFirstOrThrow();
    await cli.database.db.updateTable('messages').set({ status: 'unknown' }).where('id', '=', m.id).execute();

    const listed = await runRecoup(['messages', 'list', '--status', 'unknown'], cli.env);
    expect(listed.code, listed.stderr).toBe(0);
    expect(listed.stdout).toMatch(/unknown\s+email\s+payment-failed/);
    expect((await runRecoup(['messages', 'list', '--status', 'sent'], cli.env)).stdout).not.toContain(
      'payment-failed',
    );
    const bad = await runRecoup(['messages', 'list', '--status', 'lost'], cli.env);
    expect(bad.code).toBe(2);
    expect(bad.stderr.trim().split('\n')).toHaveLength(1);

    const marked = await runRecoup(['messages', 'mark-sent', m.id], cli.env);
    expect(marked.code, marked.stderr).toBe(0);
    expect(marked.stdout).toMatch(new RegExp(`^${m.id}: sent at `));
    expect((await runRecoup(['messages', 'mark-sent', m.id], cli.env)).code).toBe(0);
    const refused = await runRecoup(['messages', 'resend', m.id], cli.env);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toMatch(
      /^recoup: the message was sent; resending it would send it a second time\n$/,
    );
    const events = await cli.database.db
      .selectFrom('timeline_events')
      .select('data')
      .where('type', '=', 'message.marked_sent')
      .execute();
    expect(events.map((e) => JSON.parse(e.data).by.kind)).toEqual(['cli']);
  });
});
