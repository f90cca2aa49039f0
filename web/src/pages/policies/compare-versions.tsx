import { Group, NativeSelect, Stack, Text } from '@mantine/core';
import { useMemo } from 'react';
import { ErrorState, Loading } from '../../components/page-state.tsx';
import { diffPolicies } from './diff.ts';
import { DiffView } from './diff-view.tsx';
import { useVersion } from './queries.ts';
import type { VersionSummary } from './types.ts';

interface Props {
  readonly versions: readonly VersionSummary[];
  readonly from: number;
  readonly to: number;
  readonly onChange: (from: number, to: number) => void;
}

/** Two version pickers and the per-step difference between the chosen versions. */
export function CompareVersions({ versions, from, to, onChange }: Props) {
  const name = versions[0]?.name ?? '';
  const older = useVersion(`${name}@${from}`);
  const newer = useVersion(`${name}@${to}`);
  const diff = useMemo(
    () => (older.data && newer.data ? diffPolicies(older.data.document, newer.data.document) : null),
    [older.data, newer.data],
  );
  if (versions.length < 2) {
    return <Text size="sm">Only one version so far. Save a new version to compare it with this one.</Text>;
  }
  const options = versions.map((v) => ({
    value: String(v.version),
    label: `v${v.version}${v.current ? ' (active)' : ''}`,
  }));
  const failed = older.error ?? newer.error;
  return (
    <Stack gap="sm">
      <Group align="flex-end">
        <NativeSelect
          label="Compare"
          data={options}
          value={String(from)}
          onChange={(e) => onChange(Number(e.currentTarget.value), to)}
        />
        <NativeSelect
          label="with"
          data={options}
          value={String(to)}
          onChange={(e) => onChange(from, Number(e.currentTarget.value))}
        />
      </Group>
      {failed ? (
        <ErrorState error={failed} retry={() => void (older.error ? older.refetch() : newer.refetch())} />
      ) : !diff ? (
        <Loading what="both versions" />
      ) : (
        <DiffView diff={diff} labels={[`v${from}`, `v${to}`]} />
      )}
    </Stack>
  );
}
