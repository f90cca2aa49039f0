import { Card, SegmentedControl, Group, Stack, Text, Title } from '@mantine/core';
import { useQuery } from '@tanstack/react-query';
import { useState } from 'react';
import { api, unwrap } from '../api/client.ts';
import type { paths } from '../api/schema.ts';
import { useSession } from '../auth/session.tsx';
import { type Column, DataTable } from '../components/data-table.tsx';
import { Empty, ErrorState, Loading } from '../components/page-state.tsx';
import { PeriodPicker, usePeriod } from '../components/period-picker.tsx';
import { formatMoney, formatRate } from '../format/money.ts';

type Breakdown = paths['/v1/analytics/breakdown']['get']['responses']['200']['content']['application/json'];
type Dimension = Breakdown['dimension'];
type BreakdownRow = Breakdown['rows'][number];
type MessageRow =
  paths['/v1/analytics/messages']['get']['responses']['200']['content']['application/json']['rows'][number];

const DIMENSIONS: { value: Dimension; label: string }[] = [
  { value: 'step', label: 'Policy step' },
  { value: 'channel', label: 'Channel' },
  { value: 'template', label: 'Template' },
  { value: 'segment', label: 'Segment' },
  { value: 'decline_class', label: 'Decline class' },
];

/** Which steps, channels, templates, segments and decline classes recover money, and how messages perform. */
export default function WhatWorksPage() {
  const session = useSession();
  const [period, setPeriod] = usePeriod(session.now);
  const [dimension, setDimension] = useState<Dimension>('step');
  const range = { from: period.from, to: period.to };
  const breakdown = useQuery({
    queryKey: ['analytics', 'breakdown', dimension, range],
    queryFn: () => unwrap(api.GET('/v1/analytics/breakdown', { params: { query: { ...range, dimension } } })),
  });
  const messages = useQuery({
    queryKey: ['analytics', 'messages', range],
    queryFn: () => unwrap(api.GET('/v1/analytics/messages', { params: { query: range } })),
  });
  const label = DIMENSIONS.find((d) => d.value === dimension)!.label;
  const breakdownColumns: Column<BreakdownRow>[] = [
    { header: 'Currency', cell: (r) => r.currency, csv: (r) => r.currency },
    { header: label, cell: (r) => r.key, csv: (r) => r.key },
    { header: 'Cases', align: 'right', cell: (r) => r.cases, csv: (r) => r.cases },
    { header: 'Recovered cases', align: 'right', cell: (r) => r.recovered_cases, csv: (r) => r.recovered_cases },
    { header: 'Failed', align: 'right', cell: (r) => formatMoney(r.failed_amount, r.currency), csv: (r) => r.failed_amount },
    {
      header: 'Recovered',
      align: 'right',
      cell: (r) => formatMoney(r.recovered_amount, r.currency),
      csv: (r) => r.recovered_amount,
    },
    { header: 'Recovery rate', align: 'right', cell: (r) => formatRate(r.recovery_rate), csv: (r) => r.recovery_rate },
  ];
  const messageColumns: Column<MessageRow>[] = [
    { header: 'Channel', cell: (r) => r.channel, csv: (r) => r.channel },
    { header: 'Template', cell: (r) => r.template, csv: (r) => r.template },
    { header: 'Sent', align: 'right', cell: (r) => r.sent, csv: (r) => r.sent },
    { header: 'Failed', align: 'right', cell: (r) => r.failed, csv: (r) => r.failed },
    { header: 'Opened', align: 'right', cell: (r) => r.opened, csv: (r) => r.opened },
    { header: 'Open rate', align: 'right', cell: (r) => formatRate(r.open_rate), csv: (r) => r.open_rate },
    { header: 'Clicked', align: 'right', cell: (r) => r.clicked, csv: (r) => r.clicked },
    { header: 'Click rate', align: 'right', cell: (r) => formatRate(r.click_rate), csv: (r) => r.click_rate },
    { header: 'Paid within 72 h', align: 'right', cell: (r) => r.paid_within_72h, csv: (r) => r.paid_within_72h },
    {
      header: 'Paid within 72 h, share',
      align: 'right',
      cell: (r) => formatRate(r.paid_within_72h_rate),
      csv: (r) => r.paid_within_72h_rate,
    },
  ];
  return (
    <Stack>
      <Group justify="space-between">
        <Title order={2}>What works</Title>
        <PeriodPicker period={period} onChange={setPeriod} />
      </Group>
      <Card withBorder component="section" aria-labelledby="breakdown-heading">
        <Group justify="space-between" mb="sm">
          <Title order={3} size="h4" id="breakdown-heading">
            Recovery by {label.toLowerCase()}
          </Title>
          <SegmentedControl
            aria-label="Break recovery down by"
            value={dimension}
            onChange={(v) => setDimension(v as Dimension)}
            data={DIMENSIONS}
          />
        </Group>
        <Text size="sm" c="dimmed" mb="sm">
          Over the cases opened in the period with a failed amount. A recovered case is credited to the retry that
          collected, or to the last message sent before the customer paid. Money paid on or before an invoice's due
          date never failed: it is collected on time, and no step earns credit for it.
        </Text>
        {breakdown.isPending ? (
          <Loading what="the breakdown" />
        ) : breakdown.isError ? (
          <ErrorState error={breakdown.error} retry={() => void breakdown.refetch()} />
        ) : breakdown.data.rows.length === 0 ? (
          <Empty title="No cases in this period">Choose a longer period.</Empty>
        ) : (
          <DataTable
            caption={`Recovery by ${label.toLowerCase()}, per currency`}
            columns={breakdownColumns}
            rows={breakdown.data.rows}
            rowKey={(r) => `${r.currency}:${r.key}`}
            exportName={`recovery-by-${dimension}`}
          />
        )}
      </Card>
      <Card withBorder component="section" aria-labelledby="messages-heading">
        <Title order={3} size="h4" id="messages-heading" mb="sm">
          Message response
        </Title>
        <Text size="sm" c="dimmed" mb="xs">
          Messages created in the period: how many were opened, how many had a link clicked, and how many were
          followed by a payment on the same case within 72 hours. Rates are shares of the messages sent.
        </Text>
        <Text size="sm" c="dimmed" mb="sm" data-testid="open-rate-note">
          Opens are approximate. An email counts as opened when it shows its images or a link in it is clicked.
          Some email apps block images, so some real opens are missed; some privacy features load every image as
          soon as the email arrives, so some emails count as opened that nobody read. Clicks are more reliable,
          though some mail security filters follow links too. Only emails are tracked.
        </Text>
        {messages.isPending ? (
          <Loading what="message figures" />
        ) : messages.isError ? (
          <ErrorState error={messages.error} retry={() => void messages.refetch()} />
        ) : messages.data.rows.length === 0 ? (
          <Empty title="No messages in this period" />
        ) : (
          <DataTable
            caption="Messages by channel and template"
            columns={messageColumns}
            rows={messages.data.rows}
            rowKey={(r) => `${r.channel}:${r.template}`}
            exportName="message-response"
          />
        )}
      </Card>
    </Stack>
  );
}
