import { Button, Group, ScrollArea, Table, Text } from '@mantine/core';
import { notifications } from '@mantine/notifications';
import { IconDownload } from '@tabler/icons-react';
import { type ReactNode, useState } from 'react';
import { downloadCsv, toCsv } from '../format/csv.ts';

/** One column: how a row shows on screen and what goes into its CSV cell. */
export interface Column<Row> {
  readonly header: string;
  readonly cell: (row: Row) => ReactNode;
  readonly csv: (row: Row) => string | number | null;
  readonly align?: 'left' | 'right';
}

interface DataTableProps<Row> {
  readonly caption: string;
  readonly columns: readonly Column<Row>[];
  readonly rows: readonly Row[];
  readonly rowKey: (row: Row) => string;
  /** The CSV file's name, without extension. */
  readonly exportName: string;
  /** Every row of the view, when `rows` is only the page on screen (e.g. a cursor-paged list). */
  readonly exportAll?: () => Promise<readonly Row[]>;
  readonly onRowOpen?: (row: Row) => void;
  readonly footer?: ReactNode;
}

/** A table with a caption for screen readers and a CSV export of exactly what it shows (or its whole view). */
export function DataTable<Row>(props: DataTableProps<Row>) {
  const [exporting, setExporting] = useState(false);
  const exportCsv = async () => {
    setExporting(true);
    try {
      const rows = props.exportAll ? await props.exportAll() : props.rows;
      const csv = toCsv(
        props.columns.map((c) => c.header),
        rows.map((row) => props.columns.map((c) => c.csv(row))),
      );
      downloadCsv(`${props.exportName}.csv`, csv);
    } catch (error) {
      notifications.show({ color: 'red', title: 'Export failed', message: (error as Error).message });
    } finally {
      setExporting(false);
    }
  };
  return (
    <div>
      <Group justify="space-between" mb="xs">
        <Text size="sm" c="dimmed">
          {props.caption}
        </Text>
        <Button
          size="xs"
          variant="default"
          leftSection={<IconDownload size={14} aria-hidden />}
          loading={exporting}
          onClick={exportCsv}
        >
          Export CSV
        </Button>
      </Group>
      <ScrollArea type="auto">
        <Table striped highlightOnHover={!!props.onRowOpen} verticalSpacing="xs">
          <Table.Caption style={{ captionSide: 'top', position: 'absolute', left: -10_000 }}>
            {props.caption}
          </Table.Caption>
          <Table.Thead>
            <Table.Tr>
              {props.columns.map((c) => (
                <Table.Th key={c.header} ta={c.align ?? 'left'} scope="col">
                  {c.header}
                </Table.Th>
              ))}
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {props.rows.map((row) => (
              <Table.Tr
                key={props.rowKey(row)}
                onClick={props.onRowOpen ? () => props.onRowOpen!(row) : undefined}
                style={props.onRowOpen ? { cursor: 'pointer' } : undefined}
              >
                {props.columns.map((c) => (
                  <Table.Td key={c.header} ta={c.align ?? 'left'}>
                    {c.cell(row)}
                  </Table.Td>
                ))}
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
      </ScrollArea>
      {props.footer}
    </div>
  );
}
