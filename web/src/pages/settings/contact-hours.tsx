import { Anchor, Text } from '@mantine/core';
import { useQueries, useQuery } from '@tanstack/react-query';
import { useState } from 'react';
import { Link } from 'react-router';
import { api, unwrap } from '../../api/client.ts';
import type { paths } from '../../api/schema.ts';
import { type Column, DataTable } from '../../components/data-table.tsx';
import { useSession } from '../../auth/session.tsx';
import { Empty, ErrorState, Loading } from '../../components/page-state.tsx';
import { EditContactHours, EditContactHoursButton } from './edit-contact-hours.tsx';

type PolicyVersion =
  paths['/v1/policy-versions/{id}']['get']['responses']['200']['content']['application/json'];
type Document = PolicyVersion['document'];

const WEEKDAYS = ['Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat', 'Sun'];

/** A policy's contact window in words; the engine's default applies when the policy sets none. */
export function describeHours(doc: Document): string {
  const hours = doc.contactHours;
  // src/domain/contact-hours.ts: US Regulation F's 08:00–21:00, any day, when a policy is silent.
  if (!hours) return '08:00–21:00, every day (default)';
  const days = hours.weekdays?.length ? hours.weekdays.map((d) => WEEKDAYS[d - 1]).join(', ') : 'every day';
  return `${hours.start}–${hours.end}, ${days}`;
}

/** A policy's message cap in words. */
export function describeLimit(doc: Document): string {
  const limit = doc.messageLimits;
  // src/domain/step-decision.ts: seven messages in seven days when a policy is silent.
  if (!limit) return 'at most 7 in 7 days (default)';
  return `at most ${limit.maxMessages} in ${limit.periodDays} day${limit.periodDays === 1 ? '' : 's'}`;
}

const COLUMNS: Column<PolicyVersion>[] = [
  {
    header: 'Policy',
    cell: (p) => (
      <Anchor component={Link} to={`/policies/${encodeURIComponent(p.name)}`}>
        {p.name}
      </Anchor>
    ),
    csv: (p) => p.name,
  },
  { header: 'Version', align: 'right', cell: (p) => p.version, csv: (p) => p.version },
  {
    header: 'Contact hours (customer’s time)',
    cell: (p) => describeHours(p.document),
    csv: (p) => describeHours(p.document),
  },
  {
    header: 'Messages per customer',
    cell: (p) => describeLimit(p.document),
    csv: (p) => describeLimit(p.document),
  },
];

/**
 * The contact hours and message caps the current version of every policy runs with, as the server reports them;
 * those who may change policies get an Edit button per policy, which applies a new version.
 */
export function ContactHoursTable() {
  const session = useSession();
  const editable = session.can('policies:write');
  // Held here, above the table: saving reloads the table, and the editor must stay open to show the new version.
  const [editing, setEditing] = useState<{ policy: PolicyVersion; round: number } | null>(null);
  const [opened, setOpened] = useState(false);
  const edit = (policy: PolicyVersion) => {
    setEditing((e) => ({ policy, round: (e?.round ?? 0) + 1 }));
    setOpened(true);
  };
  return (
    <>
      <CurrentHours editable={editable} onEdit={edit} />
      {editing && (
        // A fresh form for every opening; kept mounted while closing, so the dialog can hand focus back.
        <EditContactHours
          key={editing.round}
          policy={editing.policy}
          opened={opened}
          onClose={() => setOpened(false)}
        />
      )}
    </>
  );
}

function CurrentHours({ editable, onEdit }: { editable: boolean; onEdit: (p: PolicyVersion) => void }) {
  const policies = useQuery({ queryKey: ['policies'], queryFn: () => unwrap(api.GET('/v1/policies')) });
  const current = policies.data?.data.filter((p) => p.current) ?? [];
  const versions = useQueries({
    queries: current.map((p) => ({
      queryKey: ['policy-version', p.id],
      queryFn: () => unwrap(api.GET('/v1/policy-versions/{id}', { params: { path: { id: p.id } } })),
    })),
  });
  if (policies.isPending) return <Loading what="policies" />;
  if (policies.isError) return <ErrorState error={policies.error} retry={() => void policies.refetch()} />;
  if (current.length === 0) {
    return (
      <Empty title="No policies yet">
        Contact hours are set per policy. Apply one on the Policies page or with “recoup policy apply”.
      </Empty>
    );
  }
  const failed = versions.find((v) => v.isError);
  if (failed) return <ErrorState error={failed.error} retry={() => void failed.refetch()} />;
  if (versions.some((v) => v.isPending)) return <Loading what="contact hours" />;
  const rows = versions.map((v) => v.data).filter((v): v is PolicyVersion => v !== undefined);
  const columns: Column<PolicyVersion>[] = editable
    ? [
        ...COLUMNS,
        {
          header: 'Actions',
          cell: (p) => <EditContactHoursButton policy={p} onEdit={() => onEdit(p)} />,
          csv: () => null,
        },
      ]
    : COLUMNS;
  return (
    <>
      <DataTable
        caption="Contact hours and message caps of the current policies"
        columns={columns}
        rows={rows}
        rowKey={(p) => p.id}
        exportName="contact-hours"
      />
      <Text size="xs" c="dimmed">
        {editable ? 'Edit saves a new version of the policy, as the ' : 'Managers and admins change them on the '}
        <Anchor component={Link} to="/policies" size="xs" underline="always">
          Policies
        </Anchor>{' '}
        page does: new cases start on it, while cases already running keep the version they started on.
      </Text>
    </>
  );
}
