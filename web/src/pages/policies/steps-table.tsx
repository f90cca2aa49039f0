import { Text } from '@mantine/core';
import { type Column, DataTable } from '../../components/data-table.tsx';
import { describeOffset } from './offset.ts';
import { conditionsText, stepTarget } from './step-text.ts';
import type { PolicyDocument, PolicyStep } from './types.ts';

interface Row {
  readonly n: number;
  readonly step: PolicyStep;
}

/** A version's steps, read-only, in order, with CSV export. */
export function StepsTable({ document, exportName }: { document: PolicyDocument; exportName: string }) {
  const columns: Column<Row>[] = [
    { header: '#', align: 'right', cell: (r) => r.n, csv: (r) => r.n },
    { header: 'Step', cell: (r) => r.step.id, csv: (r) => r.step.id },
    {
      header: 'Offset',
      cell: (r) => (
        <>
          <Text size="sm" ff="monospace">
            {r.step.offset}
          </Text>
          <Text size="xs" c="dimmed">
            {describeOffset(r.step.offset, document.anchor)}
          </Text>
        </>
      ),
      csv: (r) => r.step.offset,
    },
    { header: 'Action', cell: (r) => r.step.action, csv: (r) => r.step.action },
    {
      header: 'Channel / template / target',
      cell: (r) => stepTarget(r.step) || '–',
      csv: (r) => stepTarget(r.step),
    },
    {
      header: 'Runs when',
      cell: (r) => conditionsText(r.step.when),
      csv: (r) => conditionsText(r.step.when),
    },
  ];
  return (
    <DataTable
      caption={`${document.steps.length} steps, in the order they run`}
      columns={columns}
      rows={document.steps.map((step, i) => ({ n: i + 1, step }))}
      rowKey={(r) => r.step.id}
      exportName={exportName}
    />
  );
}
