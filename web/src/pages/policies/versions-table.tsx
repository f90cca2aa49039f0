import { Anchor, Badge, Group } from '@mantine/core';
import { Link } from 'react-router';
import { type Column, DataTable } from '../../components/data-table.tsx';
import { formatInstant } from '../../format/dates.ts';
import { ActivateButton } from './activate-button.tsx';
import type { VersionSummary } from './types.ts';

interface Props {
  readonly versions: readonly VersionSummary[];
  readonly shown: number;
  readonly canWrite: boolean;
  readonly onActivated: (version: number) => void;
}

/** Every version of a policy, which one is active and which is on screen; writers may re-activate old ones. */
export function VersionsTable({ versions, shown, canWrite, onActivated }: Props) {
  const columns: Column<VersionSummary>[] = [
    {
      header: 'Version',
      cell: (v) =>
        v.version === shown ? (
          <span aria-current="true">v{v.version} (shown below)</span>
        ) : (
          <Anchor component={Link} to={`?version=${v.version}`} aria-label={`Show v${v.version}`}>
            v{v.version}
          </Anchor>
        ),
      csv: (v) => v.version,
    },
    {
      header: 'Status',
      cell: (v) =>
        v.current ? (
          <Badge color="teal.9" miw="fit-content">
            active
          </Badge>
        ) : (
          'superseded'
        ),
      csv: (v) => (v.current ? 'active' : 'superseded'),
    },
    { header: 'Applied', cell: (v) => formatInstant(v.created_at), csv: (v) => v.created_at },
    { header: 'Steps', align: 'right', cell: (v) => v.steps, csv: (v) => v.steps },
    { header: 'Description', cell: (v) => v.description ?? '–', csv: (v) => v.description },
  ];
  if (canWrite) {
    columns.push({
      header: 'Actions',
      cell: (v) => (
        <Group gap={4}>{!v.current && <ActivateButton version={v} onActivated={onActivated} />}</Group>
      ),
      csv: () => null,
    });
  }
  return (
    <DataTable
      caption={`${versions.length} ${versions.length === 1 ? 'version' : 'versions'}, newest first`}
      columns={columns}
      rows={versions}
      rowKey={(v) => v.id}
      exportName={`${versions[0]?.name ?? 'policy'}-versions`}
    />
  );
}
