import {
  Anchor,
  Badge,
  Button,
  Group,
  Menu,
  NumberInput,
  Paper,
  Select,
  SimpleGrid,
  Stack,
  TextInput,
  Title,
} from '@mantine/core';
import { useInfiniteQuery, useQuery } from '@tanstack/react-query';
import { IconBookmark, IconFilterOff } from '@tabler/icons-react';
import { useState } from 'react';
import { Link, useNavigate, useSearchParams } from 'react-router';
import { api, unwrap } from '../../api/client.ts';
import type { paths } from '../../api/schema.ts';
import { useSession } from '../../auth/session.tsx';
import { type Column, DataTable } from '../../components/data-table.tsx';
import { Empty, ErrorState, Loading } from '../../components/page-state.tsx';
import { daysBetween, formatDate } from '../../format/dates.ts';
import { formatMoney, minorDigits } from '../../format/money.ts';
import { CASE_STATES, type CaseFilters, filtersFromSearch, filtersToQuery, filtersToSearch } from './filters.ts';
import { type SavedView, deleteView, loadViews, saveView } from './saved-views.ts';

type CaseRow = paths['/v1/cases']['get']['responses']['200']['content']['application/json']['data'][number];

const PAGE = 50;
const EXPORT_LIMIT = 10_000;

const STATE_COLORS: Partial<Record<string, string>> = {
  open: 'blue',
  needs_attention: 'red',
  recovered: 'teal',
};

/** The cases, filtered by state, policy, currency, amount, age and assignee, with saved views and CSV export. */
export default function CasesPage() {
  const session = useSession();
  // Colleagues to filter by; only people who work cases may list them, everyone else filters by Me/Unassigned.
  const assignees = useQuery({
    queryKey: ['assignees'],
    enabled: session.can('cases:work'),
    queryFn: () => unwrap(api.GET('/v1/assignees')),
  });
  const navigate = useNavigate();
  const [search, setSearch] = useSearchParams();
  const filters = filtersFromSearch(search);
  const [views, setViews] = useState<SavedView[]>(loadViews);
  const setFilter = (key: keyof CaseFilters, value: string) => {
    const next = { ...filters, [key]: value };
    // Amounts are in the currency's units, so they mean nothing once the currency is cleared.
    if (key === 'currency' && !value) Object.assign(next, { min_amount: '', max_amount: '' });
    setSearch(filtersToSearch(next), { replace: true });
  };
  const fetchPage = (cursor: string | undefined, limit = PAGE) =>
    unwrap(
      api.GET('/v1/cases', {
        params: { query: { ...filtersToQuery(filters, session.now, limit), ...(cursor ? { cursor } : {}) } },
      }),
    );
  const cases = useInfiniteQuery({
    queryKey: ['cases', search.toString()],
    queryFn: ({ pageParam }) => fetchPage(pageParam),
    initialPageParam: undefined as string | undefined,
    getNextPageParam: (last) => last.next_cursor ?? undefined,
  });
  const exportAll = async () => {
    const rows: CaseRow[] = [];
    let cursor: string | undefined;
    do {
      const page = await fetchPage(cursor, 100);
      rows.push(...page.data);
      cursor = page.next_cursor ?? undefined;
    } while (cursor && rows.length < EXPORT_LIMIT);
    return rows;
  };
  const rows = cases.data?.pages.flatMap((p) => p.data) ?? [];
  const columns: Column<CaseRow>[] = [
    {
      header: 'Customer',
      cell: (c) => (
        <Anchor component={Link} to={`/cases/${c.id}`}>
          {c.customer_name}
        </Anchor>
      ),
      csv: (c) => c.customer_name,
    },
    {
      header: 'State',
      cell: (c) => (
        <Group gap={4}>
          <Badge variant="light" color={STATE_COLORS[c.state] ?? 'gray'}>
            {c.state.replace('_', ' ')}
          </Badge>
          {c.paused && <Badge color="dark">paused</Badge>}
          {c.state === 'open' && c.error_count > 0 && (
            <Badge color="orange" variant="outline" title={c.last_error ?? undefined}>
              failing ×{c.error_count}
            </Badge>
          )}
        </Group>
      ),
      csv: (c) => (c.paused ? `${c.state} (paused)` : c.state),
    },
    { header: 'Policy', cell: (c) => `${c.policy.name} v${c.policy.version}`, csv: (c) => `${c.policy.name} v${c.policy.version}` },
    {
      header: 'Owed',
      align: 'right',
      cell: (c) => formatMoney(c.amount_owed, c.currency),
      csv: (c) => (c.amount_owed / 10 ** minorDigits(c.currency)).toFixed(minorDigits(c.currency)),
    },
    { header: 'Currency', cell: (c) => c.currency, csv: (c) => c.currency },
    {
      header: 'Recovered',
      align: 'right',
      cell: (c) => formatMoney(c.amount_recovered, c.currency),
      csv: (c) => (c.amount_recovered / 10 ** minorDigits(c.currency)).toFixed(minorDigits(c.currency)),
    },
    { header: 'Opened', cell: (c) => formatDate(c.opened_at), csv: (c) => c.opened_at },
    {
      header: 'Age (days)',
      align: 'right',
      cell: (c) => daysBetween(Date.parse(c.opened_at), c.closed_at ? Date.parse(c.closed_at) : session.now),
      csv: (c) => daysBetween(Date.parse(c.opened_at), c.closed_at ? Date.parse(c.closed_at) : session.now),
    },
    { header: 'Next step', cell: (c) => formatDate(c.next_due_at), csv: (c) => c.next_due_at },
    { header: 'Case id', cell: (c) => c.id, csv: (c) => c.id },
  ];
  const amountUnit = filters.currency ? `in ${filters.currency}` : 'choose a currency first';
  return (
    <Stack>
      <Group justify="space-between">
        <Title order={2}>Cases</Title>
        <Group gap="xs">
          <Menu>
            <Menu.Target>
              <Button variant="default" size="xs" leftSection={<IconBookmark size={14} aria-hidden />}>
                Saved views
              </Button>
            </Menu.Target>
            <Menu.Dropdown>
              {views.length === 0 && <Menu.Label>No saved views yet</Menu.Label>}
              {views.map((v) => (
                <Menu.Item key={v.name} onClick={() => setSearch(new URLSearchParams(v.search))}>
                  {v.name}
                </Menu.Item>
              ))}
              <Menu.Divider />
              <Menu.Item
                onClick={() => {
                  const name = window.prompt('Name this view');
                  if (name?.trim()) setViews(saveView(name.trim(), filtersToSearch(filters)));
                }}
              >
                Save current filters…
              </Menu.Item>
              {views.map((v) => (
                <Menu.Item key={`delete-${v.name}`} color="red" onClick={() => setViews(deleteView(v.name))}>
                  Delete “{v.name}”
                </Menu.Item>
              ))}
            </Menu.Dropdown>
          </Menu>
          <Button
            variant="default"
            size="xs"
            leftSection={<IconFilterOff size={14} aria-hidden />}
            onClick={() => setSearch(new URLSearchParams())}
          >
            Clear filters
          </Button>
        </Group>
      </Group>
      <Paper withBorder p="sm" component="section" aria-label="Filters">
        <SimpleGrid cols={{ base: 2, md: 3, lg: 9 }}>
          <Select
            label="State"
            placeholder="Any"
            clearable
            data={CASE_STATES.map((s) => ({ value: s, label: s.replace('_', ' ') }))}
            value={filters.state || null}
            onChange={(v) => setFilter('state', v ?? '')}
          />
          <TextInput
            label="Policy"
            placeholder="Any"
            value={filters.policy}
            onChange={(e) => setFilter('policy', e.currentTarget.value.trim())}
          />
          <TextInput
            label="Currency"
            placeholder="Any"
            maxLength={3}
            value={filters.currency}
            onChange={(e) => setFilter('currency', e.currentTarget.value.trim().toUpperCase())}
          />
          <NumberInput
            label="Min owed"
            description={amountUnit}
            disabled={!filters.currency}
            min={0}
            value={filters.min_amount}
            onChange={(v) => setFilter('min_amount', String(v))}
          />
          <NumberInput
            label="Max owed"
            description={amountUnit}
            disabled={!filters.currency}
            min={0}
            value={filters.max_amount}
            onChange={(v) => setFilter('max_amount', String(v))}
          />
          <NumberInput
            label="Older than (days)"
            min={0}
            allowDecimal={false}
            value={filters.min_age_days}
            onChange={(v) => setFilter('min_age_days', String(v))}
          />
          <NumberInput
            label="Younger than (days)"
            min={0}
            allowDecimal={false}
            value={filters.max_age_days}
            onChange={(v) => setFilter('max_age_days', String(v))}
          />
          <Select
            label="Assignee"
            placeholder="Anyone"
            clearable
            data={[
              { value: session.user.id, label: 'Me' },
              { value: 'none', label: 'Unassigned' },
              ...(assignees.data?.data ?? [])
                .filter((a) => a.id !== session.user.id)
                .map((a) => ({ value: a.id, label: a.email })),
            ]}
            value={filters.assignee || null}
            onChange={(v) => setFilter('assignee', v ?? '')}
          />
          <Select
            label="Paused"
            placeholder="Either"
            clearable
            data={[
              { value: 'true', label: 'Paused' },
              { value: 'false', label: 'Running' },
            ]}
            value={filters.paused || null}
            onChange={(v) => setFilter('paused', v ?? '')}
          />
        </SimpleGrid>
      </Paper>
      {cases.isPending ? (
        <Loading what="cases" />
      ) : cases.isError ? (
        <ErrorState error={cases.error} retry={() => void cases.refetch()} />
      ) : rows.length === 0 ? (
        <Empty title="No cases match">
          Cases open when a payment fails or an invoice goes overdue. Widen the filters, or import invoices with
          `recoup import`.
        </Empty>
      ) : (
        <DataTable
          caption={`${rows.length}${cases.hasNextPage ? '+' : ''} cases, newest first`}
          columns={columns}
          rows={rows}
          rowKey={(c) => c.id}
          exportName="cases"
          exportAll={exportAll}
          onRowOpen={(c) => navigate(`/cases/${c.id}`)}
          footer={
            cases.hasNextPage && (
              <Group justify="center" mt="sm">
                <Button variant="default" loading={cases.isFetchingNextPage} onClick={() => void cases.fetchNextPage()}>
                  Load more
                </Button>
              </Group>
            )
          }
        />
      )}
    </Stack>
  );
}
