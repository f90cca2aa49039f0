import { Alert, Card, Stack, Text, Title } from '@mantine/core';
import { useQuery } from '@tanstack/react-query';
import { api, unwrap } from '../api/client.ts';
import type { paths } from '../api/schema.ts';
import { type Column, DataTable } from '../components/data-table.tsx';
import { Empty, ErrorState, Loading } from '../components/page-state.tsx';
import { formatMoney } from '../format/money.ts';

type ForecastRow =
  paths['/v1/analytics/forecast']['get']['responses']['200']['content']['application/json']['currencies'][number];

/** Expected collections from the open cases over the next 30, 60 and 90 days, with the method spelled out. */
export default function ForecastPage() {
  const forecast = useQuery({
    queryKey: ['analytics', 'forecast'],
    queryFn: () => unwrap(api.GET('/v1/analytics/forecast')),
  });
  const columns: Column<ForecastRow>[] = [
    { header: 'Currency', cell: (r) => r.currency, csv: (r) => r.currency },
    { header: 'Open in cases', align: 'right', cell: (r) => formatMoney(r.open_amount, r.currency), csv: (r) => r.open_amount },
    ...(['next_30_days', 'next_60_days', 'next_90_days'] as const).map((key) => ({
      header: `Expected, ${key.replace('next_', 'next ').replace('_days', ' days')}`,
      align: 'right' as const,
      cell: (r: ForecastRow) => formatMoney(r[key], r.currency),
      csv: (r: ForecastRow) => r[key],
    })),
  ];
  return (
    <Stack>
      <Title order={2}>Cash-flow forecast</Title>
      {forecast.isPending ? (
        <Loading what="the forecast" />
      ) : forecast.isError ? (
        <ErrorState error={forecast.error} retry={() => void forecast.refetch()} />
      ) : (
        <>
          <Alert color="gray" title="How this is estimated">
            <Text size="sm">{forecast.data.method}</Text>
            <Text size="sm" mt="xs" data-testid="open-balance-note">
              {forecast.data.open_balance_note}
            </Text>
          </Alert>
          <Card withBorder>
            {forecast.data.currencies.length === 0 ? (
              <Empty title="No open cases">Nothing is expected because nothing is owed in an open case.</Empty>
            ) : (
              <DataTable
                caption="Expected collections from open cases, per currency (cumulative)"
                columns={columns}
                rows={forecast.data.currencies}
                rowKey={(r) => r.currency}
                exportName="forecast"
              />
            )}
          </Card>
        </>
      )}
    </Stack>
  );
}
