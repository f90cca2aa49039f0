import { Anchor, Stack, Text, Title } from '@mantine/core';
import { useQuery } from '@tanstack/react-query';
import { Link, useNavigate } from 'react-router';
import { api, unwrap } from '../../api/client.ts';
import { type Column, DataTable } from '../../components/data-table.tsx';
import { Empty, ErrorState, Loading } from '../../components/page-state.tsx';
import type { TemplateSummary } from './types.ts';

// Edited locales say so, with the version the engine sends: `de, en (edited v3), fr`.
function localesText(t: TemplateSummary, separator: string): string {
  return t.locale_states
    .map((l) => (l.state === 'edited' ? `${l.locale} (edited v${l.version})` : l.locale))
    .join(separator);
}

function usedBy(t: TemplateSummary): string {
  if (t.used_by.length === 0) return 'no current policy';
  return t.used_by.map((u) => `${u.policy} (${u.steps.join(', ')})`).join('; ');
}

const COLUMNS: Column<TemplateSummary>[] = [
  {
    header: 'Template',
    cell: (t) => (
      <Anchor component={Link} to={`/templates/${encodeURIComponent(t.name)}`}>
        {t.name}
      </Anchor>
    ),
    csv: (t) => t.name,
  },
  { header: 'Locales', cell: (t) => localesText(t, ', '), csv: (t) => localesText(t, ' ') },
  { header: 'Sent by (policy and steps)', cell: usedBy, csv: usedBy },
];

/** Every email template, its locales and the current policies whose reminder steps send it. */
export function TemplateList() {
  const navigate = useNavigate();
  const templates = useQuery({
    queryKey: ['templates'],
    queryFn: () => unwrap(api.GET('/v1/templates')),
  });
  return (
    <Stack>
      <Title order={2}>Templates</Title>
      <Text size="sm" c="dimmed" maw={760}>
        The emails reminder steps send, written in LiquidJS, one version per language. Open one to preview it
        in each locale with sample data, and to edit it: a saved edit replaces the shipped text until it is
        reset.
      </Text>
      {templates.isPending ? (
        <Loading what="templates" />
      ) : templates.isError ? (
        <ErrorState error={templates.error} retry={() => void templates.refetch()} />
      ) : templates.data.data.length === 0 ? (
        <Empty title="No templates yet">
          Recoup reads templates from its templates/email folder (one folder per template, one per locale
          inside). Add one there and restart Recoup.
        </Empty>
      ) : (
        <DataTable
          caption="Email templates"
          columns={COLUMNS}
          rows={templates.data.data}
          rowKey={(t) => t.name}
          exportName="templates"
          onRowOpen={(t) => navigate(`/templates/${encodeURIComponent(t.name)}`)}
        />
      )}
    </Stack>
  );
}
