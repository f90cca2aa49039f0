import { Badge, Paper, Text, Title } from '@mantine/core';
import { useQuery } from '@tanstack/react-query';
import { api, unwrap } from '../../api/client.ts';
import { type Column, DataTable } from '../../components/data-table.tsx';
import { ErrorState, Loading } from '../../components/page-state.tsx';
import { formatInstant } from '../../format/dates.ts';
import type { HistoryEntry } from './types.ts';

const COLUMNS: Column<HistoryEntry>[] = [
  { header: 'Version', cell: (h) => `v${h.version}`, csv: (h) => h.version },
  {
    header: 'Change',
    cell: (h) => (h.kind === 'edit' ? 'saved text' : 'reset to the shipped file'),
    csv: (h) => h.kind,
  },
  {
    header: 'Status',
    cell: (h) =>
      h.current ? (
        <Badge color="teal" variant="light" miw="fit-content">
          sent now
        </Badge>
      ) : (
        'earlier'
      ),
    csv: (h) => (h.current ? 'sent now' : 'earlier'),
  },
  { header: 'Saved', cell: (h) => formatInstant(h.created_at), csv: (h) => h.created_at },
  { header: 'By', cell: (h) => h.created_by.name, csv: (h) => h.created_by.name },
];

/** Every version saved for one locale of a template, newest first, and who saved it. */
export function VersionHistory({ name, locale }: { name: string; locale: string }) {
  const history = useQuery({
    queryKey: ['template-versions', name, locale],
    queryFn: () =>
      unwrap(
        api.GET('/v1/templates/{name}/locales/{locale}/versions', { params: { path: { name, locale } } }),
      ),
  });
  const count = history.data?.data.length ?? 0;
  return (
    <Paper withBorder p="md" component="section" aria-labelledby="template-history-title">
      <Title order={3} size="h5" id="template-history-title" mb="xs">
        History ({locale})
      </Title>
      {history.isPending ? (
        <Loading what={`the history of ${locale}`} />
      ) : history.isError ? (
        <ErrorState error={history.error} retry={() => void history.refetch()} />
      ) : history.data.data.length === 0 ? (
        <Text size="sm">Never edited: reminders in {locale} send the file Recoup ships.</Text>
      ) : (
        <DataTable
          caption={`${count} saved ${count === 1 ? 'version' : 'versions'}, newest first`}
          columns={COLUMNS}
          rows={history.data.data}
          rowKey={(h) => String(h.version)}
          exportName={`${name}-${locale}-history`}
        />
      )}
    </Paper>
  );
}
