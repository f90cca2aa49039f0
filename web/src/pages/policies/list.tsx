import { Anchor, Badge, Stack, Text, Title } from '@mantine/core';
import { Link, useNavigate } from 'react-router';
import { type Column, DataTable } from '../../components/data-table.tsx';
import { Empty, ErrorState, Loading } from '../../components/page-state.tsx';
import { formatDate } from '../../format/dates.ts';
import { useVersionsOf, usePolicies } from './queries.ts';
import type { VersionSummary } from './types.ts';

interface PolicyRow {
  readonly current: VersionSummary;
  /** Every version, newest first; null while still loading or when it could not be read. */
  readonly versions: readonly VersionSummary[] | null;
}

const versionList = (row: PolicyRow) =>
  row.versions ? row.versions.map((v) => `v${v.version}`).join(', ') : `v${row.current.version}`;

const COLUMNS: Column<PolicyRow>[] = [
  {
    header: 'Policy',
    cell: (r) => (
      <Anchor component={Link} to={`/policies/${r.current.name}`} style={{ whiteSpace: 'nowrap' }}>
        {r.current.name}
      </Anchor>
    ),
    csv: (r) => r.current.name,
  },
  { header: 'Description', cell: (r) => r.current.description ?? '–', csv: (r) => r.current.description },
  {
    header: 'Active version',
    cell: (r) => (
      <Badge color="teal.9" miw="fit-content">
        v{r.current.version} active
      </Badge>
    ),
    csv: (r) => r.current.version,
  },
  { header: 'Versions', cell: versionList, csv: versionList },
  { header: 'Steps', align: 'right', cell: (r) => r.current.steps, csv: (r) => r.current.steps },
  { header: 'Applied', cell: (r) => formatDate(r.current.created_at), csv: (r) => r.current.created_at },
];

/** Every policy with its active version and all its versions, exportable as CSV. */
export function PolicyListPage() {
  const navigate = useNavigate();
  const policies = usePolicies();
  const versions = useVersionsOf(policies.data?.map((p) => p.name) ?? []);
  const body = policies.isPending ? (
    <Loading what="policies" />
  ) : policies.isError ? (
    <ErrorState error={policies.error} retry={() => void policies.refetch()} />
  ) : policies.data.length === 0 ? (
    <Empty title="No policies yet">
      A policy is the dunning playbook cases run. Apply one with `recoup policy apply
      policies/card-subscription.yaml` or `POST /v1/policies`; Recoup applies its shipped policies on first
      start.
    </Empty>
  ) : (
    <DataTable
      caption={`${policies.data.length} policies; new cases start on each one's active version`}
      columns={COLUMNS}
      rows={policies.data.map((current, i) => ({ current, versions: versions[i]?.data ?? null }))}
      rowKey={(r) => r.current.name}
      exportName="policies"
      onRowOpen={(r) => navigate(`/policies/${r.current.name}`)}
    />
  );
  return (
    <Stack>
      <Title order={2}>Policies</Title>
      <Text size="sm" c="dimmed" maw={720}>
        Each policy is a versioned playbook of steps. Versions never change once saved: a running case keeps
        the version it started on, and new cases start on the active (newest) one.
      </Text>
      {body}
    </Stack>
  );
}
