import { BarChart } from '@mantine/charts';
import { Card, Group, SimpleGrid, Stack, Text, Title, Tooltip } from '@mantine/core';
import { useQuery } from '@tanstack/react-query';
import { api, unwrap } from '../api/client.ts';
import type { paths } from '../api/schema.ts';
import { useSession } from '../auth/session.tsx';
import { type Column, DataTable } from '../components/data-table.tsx';
import { Empty, ErrorState, Loading } from '../components/page-state.tsx';
import { PeriodPicker, usePeriod } from '../components/period-picker.tsx';
import { formatMoney, formatRate, minorDigits } from '../format/money.ts';

type Overview = paths['/v1/analytics/overview']['get']['responses']['200']['content']['application/json'];
type CurrencyRow = Overview['currencies'][number];
type Daily = paths['/v1/analytics/daily']['get']['responses']['200']['content']['application/json'];

const major = (minor: number, currency: string) => minor / 10 ** minorDigits(currency);

/** The finance lead's first page: recovery, what is owed and how old it is, per currency, over a period. */
export function OverviewPage() {
  const session = useSession();
  const [period, setPeriod] = usePeriod(session.now);
  const query = { from: period.from, to: period.to };
  const overview = useQuery({
    queryKey: ['analytics', 'overview', query],
    queryFn: () => unwrap(api.GET('/v1/analytics/overview', { params: { query } })),
  });
  const daily = useQuery({
    queryKey: ['analytics', 'daily', query],
    queryFn: () => unwrap(api.GET('/v1/analytics/daily', { params: { query } })),
  });
  return (
    <Stack>
      <Group justify="space-between">
        <Title order={2}>Overview</Title>
        <PeriodPicker period={period} onChange={setPeriod} />
      </Group>
      <Text size="sm" c="dimmed">
        Recovery counts the cases opened in the period; open balances, aging and active cases are as of now. Failed
        means a failed charge or an invoice unpaid at its due date: money paid on or before the due date (a B2B
        case opens days before it, for reminders) is collected on time, not recovered. Each currency stands alone:
        amounts in different currencies are never added together.
      </Text>
      {overview.isPending ? (
        <Loading what="the overview" />
      ) : overview.isError ? (
        <ErrorState error={overview.error} retry={() => void overview.refetch()} />
      ) : overview.data.currencies.length === 0 ? (
        <Empty title="Nothing to show yet">
          Recoup has no cases or open invoices. Import invoices with `recoup import`, connect Stripe, or run
          `npm run demo` to see a simulated business.
        </Empty>
      ) : (
        overview.data.currencies.map((row) => (
          <CurrencyOverview key={row.currency} row={row} daily={daily.data} dailyError={daily.error} />
        ))
      )}
      {overview.data && overview.data.currencies.length > 0 && (
        <AgingTable rows={overview.data.currencies} note={overview.data.open_balance_note} />
      )}
    </Stack>
  );
}

function CurrencyOverview({ row, daily, dailyError }: { row: CurrencyRow; daily?: Daily; dailyError: unknown }) {
  const c = row.currency;
  // The API lists every day of the period, so the chart's time axis has no gaps.
  const days = (daily?.days ?? []).filter((d) => d.currency === c);
  const quiet = days.every((d) => d.failed_amount + d.recovered_amount + d.collected_on_time_amount === 0);
  return (
    <Card withBorder component="section" aria-label={`${c} overview`} data-testid={`overview-${c}`}>
      <Title order={3} size="h4" mb="sm">
        {c}
      </Title>
      <SimpleGrid cols={{ base: 2, sm: 4 }}>
        <Kpi label="Recovery rate" value={formatRate(row.recovery_rate)} hint="recovered ÷ failed amount" testId="recovery-rate" />
        <Kpi label="Recovered" value={formatMoney(row.recovered_amount, c)} hint="recovered on the period's cases" testId="recovered" />
        <Kpi
          label="Failed"
          value={formatMoney(row.failed_amount, c)}
          hint="failed charges and invoices unpaid at their due date, of the cases opened in the period"
          testId="failed"
        />
        <Kpi
          label="Collected on time"
          value={formatMoney(row.collected_on_time_amount, c)}
          hint="paid on or before the due date on the period's cases: never failed, not counted as recovered"
          testId="collected-on-time"
        />
        <Kpi label="Open overdue" value={formatMoney(row.open_overdue_amount, c)} hint="open invoices past due, now" testId="open-overdue" />
        <Kpi label="Active cases" value={String(row.active_cases)} hint="cases open now" testId="active-cases" />
        <Kpi
          label="Cases opened"
          value={`${row.cases_opened} (${row.failed_cases} failed)`}
          hint="in the period; failed: with a failed amount now"
          testId="cases-opened"
        />
        <Kpi
          label="Open receivables"
          value={formatMoney(row.open_amount, c)}
          hint={`every open invoice, now; ${formatMoney(row.open_in_cases_amount, c)} of it in open cases (the forecast's open amount)`}
          testId="open-receivables"
        />
        <Kpi
          label="Median days to recover"
          value={row.median_days_to_recover === null ? '–' : row.median_days_to_recover.toFixed(1)}
          hint="from the case opening to its recovery"
          testId="median-days"
        />
        <Kpi
          label="DSO"
          value={row.dso_days === null ? '–' : `${row.dso_days.toFixed(0)} days`}
          hint="open receivables ÷ invoiced in the period × days in the period"
          testId="dso"
        />
      </SimpleGrid>
      <Title order={4} size="h6" mt="md" mb="xs">
        Failed, recovered and collected on time per day
      </Title>
      {dailyError ? (
        <ErrorState error={dailyError} />
      ) : quiet ? (
        <Text size="sm" c="dimmed">
          No failures or recoveries in this period.
        </Text>
      ) : (
        <BarChart
          h={220}
          data={days.map((d) => ({
            date: d.date.slice(5),
            Failed: major(d.failed_amount, c),
            Recovered: major(d.recovered_amount, c),
            'On time': major(d.collected_on_time_amount, c),
          }))}
          dataKey="date"
          series={[
            { name: 'Failed', color: 'red.7' },
            { name: 'Recovered', color: 'teal.8' },
            { name: 'On time', color: 'gray.6' },
          ]}
          valueFormatter={(v) => formatMoney(Math.round(v * 10 ** minorDigits(c)), c)}
          withLegend
          yAxisProps={{ width: 100 }}
          aria-label={`${c}: failed, recovered and on-time amounts per day`}
        />
      )}
    </Card>
  );
}

function Kpi({ label, value, hint, testId }: { label: string; value: string; hint: string; testId: string }) {
  return (
    <Tooltip label={hint} withArrow>
      <Card padding="xs" bg="gray.0" tabIndex={0} aria-label={`${label}: ${value} (${hint})`} data-testid={testId}>
        <Text size="xs" c="dimmed" fw={700} tt="uppercase">
          {label}
        </Text>
        <Text fw={700} size="lg" data-value>
          {value}
        </Text>
      </Card>
    </Tooltip>
  );
}

const BUCKETS = [
  ['current', 'Not yet due'],
  ['days_1_30', '1–30 days'],
  ['days_31_60', '31–60 days'],
  ['days_61_90', '61–90 days'],
  ['days_90_plus', '90+ days'],
] as const;

function AgingTable({ rows, note }: { rows: readonly CurrencyRow[]; note: string }) {
  const columns: Column<CurrencyRow>[] = [
    { header: 'Currency', cell: (r) => r.currency, csv: (r) => r.currency },
    ...BUCKETS.map(([key, header]) => ({
      header,
      align: 'right' as const,
      cell: (r: CurrencyRow) => formatMoney(r.aging[key], r.currency),
      csv: (r: CurrencyRow) => major(r.aging[key], r.currency).toFixed(minorDigits(r.currency)),
    })),
  ];
  return (
    <Card withBorder component="section" aria-labelledby="aging-heading">
      <Title order={3} size="h4" id="aging-heading" mb="xs">
        Aging of open invoices
      </Title>
      <DataTable caption="Open balance by days past due, now" columns={columns} rows={rows} rowKey={(r) => r.currency} exportName="aging" />
      <Text size="sm" c="dimmed" mt="xs" data-testid="open-balance-note">
        {note}
      </Text>
    </Card>
  );
}
