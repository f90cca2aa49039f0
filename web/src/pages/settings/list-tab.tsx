import { Badge, Group, Stack, Text } from '@mantine/core';
import type { UseQueryResult } from '@tanstack/react-query';
import type { ReactNode } from 'react';
import { type Column, DataTable } from '../../components/data-table.tsx';
import { Empty, ErrorState, Loading } from '../../components/page-state.tsx';

interface ListTabProps<Row> {
  /** What the list is for, above it. */
  readonly children: ReactNode;
  /** The create button, for those who may create. */
  readonly create: ReactNode;
  readonly query: UseQueryResult<{ readonly data: readonly Row[] }>;
  /** The rows' name while they load, e.g. "API keys". */
  readonly what: string;
  readonly emptyTitle: string;
  /** What would fill the list while it is empty. */
  readonly empty: ReactNode;
  readonly caption: string;
  readonly columns: readonly Column<Row>[];
  readonly rowKey: (row: Row) => string;
  readonly exportName: string;
}

/** A settings tab's list: what it is for and its create button, then the rows once loaded, or why there are none. */
export function ListTab<Row>({ query, ...props }: ListTabProps<Row>) {
  return (
    <Stack>
      <Group justify="space-between" align="flex-start">
        <Text size="sm" c="dimmed" maw={640}>
          {props.children}
        </Text>
        {props.create}
      </Group>
      {query.isPending ? (
        <Loading what={props.what} />
      ) : query.isError ? (
        <ErrorState error={query.error} retry={() => void query.refetch()} />
      ) : query.data.data.length === 0 ? (
        <Empty title={props.emptyTitle}>{props.empty}</Empty>
      ) : (
        <DataTable
          caption={props.caption}
          columns={props.columns}
          rows={query.data.data}
          rowKey={props.rowKey}
          exportName={props.exportName}
        />
      )}
    </Stack>
  );
}

/** A row's state: "active", or in grey what ended it (disabled, revoked …). */
export function StatusBadge({ ended }: { ended: ReactNode }) {
  return ended ? (
    <Badge color="gray" variant="outline">
      {ended}
    </Badge>
  ) : (
    <Badge color="teal" variant="outline">
      active
    </Badge>
  );
}
