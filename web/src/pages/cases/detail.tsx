import { Anchor, Badge, Button, Card, Grid, Group, SimpleGrid, Stack, Text, Title } from '@mantine/core';
import { useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { Link, useParams } from 'react-router';
import { api, unwrap } from '../../api/client.ts';
import type { paths } from '../../api/schema.ts';
import { type Session, useSession } from '../../auth/session.tsx';
import { type Column, DataTable } from '../../components/data-table.tsx';
import { ErrorState, Loading } from '../../components/page-state.tsx';
import { formatDate, formatInstant } from '../../format/dates.ts';
import { formatMoney, minorDigits, parseMajor } from '../../format/money.ts';
import { ActionModal, type ActionField } from './action-modal.tsx';
import { CaseTimeline } from './timeline.tsx';

type CaseDetail = paths['/v1/cases/{id}']['get']['responses']['200']['content']['application/json'];
type Invoice = CaseDetail['invoices'][number];
type Step = CaseDetail['steps'][number];
type Method =
  paths['/v1/payment-methods']['get']['responses']['200']['content']['application/json']['data'][number];
type Assignee = paths['/v1/assignees']['get']['responses']['200']['content']['application/json']['data'][number];

/** An action a person can take on a case, what it asks for, and how it calls the API. */
interface CaseAction {
  readonly id: string;
  readonly label: string;
  readonly title: string;
  readonly fields: readonly ActionField[];
  readonly danger?: boolean;
  /** The dialog's confirm button, when the action's own label reads wrong there ("Assign to…"). */
  readonly submitLabel?: string;
  readonly done: string;
  readonly submit: (values: Record<string, string>) => Promise<unknown>;
}

const reason = (required = false): ActionField => ({
  field: 'reason',
  label: 'Reason',
  required,
  multiline: true,
  description: 'kept on the case timeline and in the audit log',
});

/** The actions the signed-in person may take on this case in its current state. */
function actionsFor(c: CaseDetail, session: Session, assignees: readonly Assignee[]): CaseAction[] {
  const path = { params: { path: { id: c.id } } };
  const open = c.state === 'open';
  const actions: CaseAction[] = [];
  if (session.can('cases:work') && open) {
    actions.push(
      c.paused
        ? {
            id: 'resume',
            label: 'Resume',
            title: 'Resume dunning',
            fields: [reason()],
            done: 'Case resumed',
            submit: (v) => unwrap(api.POST('/v1/cases/{id}/resume', { ...path, body: optional(v) })),
          }
        : {
            id: 'pause',
            label: 'Pause',
            title: 'Pause dunning',
            fields: [reason()],
            done: 'Case paused: no retries or reminders until resumed',
            submit: (v) => unwrap(api.POST('/v1/cases/{id}/pause', { ...path, body: optional(v) })),
          },
      {
        id: 'retry',
        label: 'Retry now',
        title: 'Charge the payment methods on file now',
        fields: [reason()],
        done: 'Retry queued',
        submit: (v) => unwrap(api.POST('/v1/cases/{id}/retry', { ...path, body: optional(v) })),
      },
    );
  }
  if (session.can('cases:work') && c.state === 'needs_attention') {
    actions.push({
      id: 'retry',
      label: 'Retry',
      title: 'Put the case back to work (its failures are forgotten, its step runs again now)',
      fields: [reason()],
      done: 'Case back to work',
      submit: (v) => unwrap(api.POST('/v1/cases/{id}/retry', { ...path, body: optional(v) })),
    });
  }
  if (session.can('cases:work') && open && !c.paused) {
    actions.push({
      id: 'remind',
      label: 'Send reminder now',
      title: 'Send a reminder now',
      fields: [
        {
          field: 'template',
          label: 'Email template',
          required: true,
          initial: 'payment-retry-reminder',
          description: 'any template on the Templates page; contact hours and opt-outs still apply',
        },
        { field: 'locale', label: 'Locale', description: "leave empty for the customer's own" },
      ],
      done: 'Reminder sent',
      submit: (v) =>
        unwrap(
          api.POST('/v1/cases/{id}/remind', {
            ...path,
            body: {
              channel: 'email',
              template: v['template']?.trim() ?? '',
              ...(v['locale']?.trim() ? { locale: v['locale'].trim() } : {}),
            },
          }),
        ),
    });
  }
  if (session.can('cases:work')) {
    const mine = c.assignee?.id === session.user.id;
    if (open && !mine) {
      actions.push({
        id: 'assign',
        label: 'Assign to me',
        title: c.assignee ? `Take this case over from ${c.assignee.email}` : 'Assign this case to yourself',
        fields: [],
        done: 'Case assigned to you',
        submit: () => unwrap(api.POST('/v1/cases/{id}/assign', { ...path, body: { user_id: session.user.id } })),
      });
    }
    // Anyone else who works cases, for handing a case over to a colleague.
    const others = assignees.filter((a) => a.id !== session.user.id && a.id !== c.assignee?.id);
    if (open && others.length > 0) {
      actions.push({
        id: 'assign-other',
        label: 'Assign to…',
        submitLabel: 'Assign',
        title: 'Assign this case to a colleague',
        fields: [
          {
            field: 'user_id',
            label: 'Colleague',
            required: true,
            initial: others[0]!.id,
            options: others.map((a) => ({ value: a.id, label: `${a.email} (${a.role})` })),
          },
        ],
        done: 'Case assigned',
        submit: (v) => unwrap(api.POST('/v1/cases/{id}/assign', { ...path, body: { user_id: v['user_id'] ?? '' } })),
      });
    }
    if (c.assignee) {
      actions.push({
        id: 'unassign',
        label: 'Unassign',
        title: `Unassign ${c.assignee.email}`,
        fields: [],
        done: 'Case unassigned',
        submit: () => unwrap(api.POST('/v1/cases/{id}/assign', { ...path, body: { user_id: null } })),
      });
    }
    actions.push({
      id: 'note',
      label: 'Add note',
      title: 'Add a note to the timeline',
      fields: [{ field: 'text', label: 'Note', required: true, multiline: true }],
      done: 'Note added',
      submit: (v) => unwrap(api.POST('/v1/cases/{id}/notes', { ...path, body: { text: v['text'] ?? '' } })),
    });
  }
  if (session.can('billing:write') && (open || c.state === 'needs_attention')) {
    actions.push({
      id: 'cancel',
      label: 'Cancel case',
      title: 'Cancel this case',
      fields: [reason(true)],
      danger: true,
      done: 'Case cancelled: every pending step is cancelled',
      submit: (v) => unwrap(api.POST('/v1/cases/{id}/cancel', { ...path, body: { reason: v['reason'] ?? '' } })),
    });
  }
  return actions;
}

function optional(values: Record<string, string>): { reason?: string } {
  return values['reason']?.trim() ? { reason: values['reason'].trim() } : {};
}

/** One case: the customer, invoices, payment methods, planned steps, its timeline, and what may be done next. */
export default function CasePage() {
  const { id = '' } = useParams();
  const session = useSession();
  const client = useQueryClient();
  const [active, setActive] = useState<CaseAction | null>(null);
  const detail = useQuery({
    queryKey: ['case', id],
    queryFn: () => unwrap(api.GET('/v1/cases/{id}', { params: { path: { id } } })),
  });
  const customerId = detail.data?.customer_id;
  const customer = useQuery({
    queryKey: ['customer', customerId],
    enabled: !!customerId,
    queryFn: () => unwrap(api.GET('/v1/customers/{id}', { params: { path: { id: customerId! } } })),
  });
  const methods = useQuery({
    queryKey: ['payment-methods', customerId],
    enabled: !!customerId,
    queryFn: () =>
      unwrap(api.GET('/v1/payment-methods', { params: { query: { customer_id: customerId!, limit: 100 } } })),
  });
  const assignees = useQuery({
    queryKey: ['assignees'],
    enabled: session.can('cases:work'),
    queryFn: () => unwrap(api.GET('/v1/assignees')),
  });
  if (detail.isPending) return <Loading what="the case" />;
  if (detail.isError) return <ErrorState error={detail.error} retry={() => void detail.refetch()} />;
  const c = detail.data;
  const refresh = () => client.invalidateQueries({ queryKey: ['case', id] });
  const withRefresh = (action: CaseAction): CaseAction => ({
    ...action,
    submit: async (v) => {
      await action.submit(v);
      await refresh();
      await client.invalidateQueries({ queryKey: ['cases'] });
    },
  });
  const recordPayment = (invoice: Invoice): CaseAction => ({
    id: `pay-${invoice.id}`,
    label: 'Record payment',
    title: `Record a payment on invoice ${invoice.number}`,
    fields: [
      {
        field: 'amount',
        label: `Amount (${invoice.currency})`,
        required: true,
        initial: (invoice.amount_remaining / 10 ** minorDigits(invoice.currency)).toFixed(minorDigits(invoice.currency)),
        description: `at most ${formatMoney(invoice.amount_remaining, invoice.currency)}, what is still owed`,
      },
      { field: 'reference', label: 'Reference', description: 'e.g. the bank transfer id; recorded once per invoice' },
    ],
    done: 'Payment recorded',
    submit: (v) => {
      const amount = parseMajor(v['amount'] ?? '', invoice.currency);
      if (amount === null) throw new Error(`Amount: write it like 12.50 (${invoice.currency})`);
      return unwrap(
        api.POST('/v1/invoices/{id}/payments', {
          params: { path: { id: invoice.id } },
          body: { amount, ...(v['reference']?.trim() ? { reference: v['reference'].trim() } : {}) },
        }),
      );
    },
  });
  const invoiceColumns: Column<Invoice>[] = [
    { header: 'Invoice', cell: (i) => i.number, csv: (i) => i.number },
    { header: 'Status', cell: (i) => i.status, csv: (i) => i.status },
    { header: 'Due', cell: (i) => formatDate(i.due_at), csv: (i) => i.due_at },
    { header: 'Total', align: 'right', cell: (i) => formatMoney(i.total, i.currency), csv: (i) => i.total },
    {
      header: 'Still owed',
      align: 'right',
      cell: (i) => formatMoney(i.amount_remaining, i.currency),
      csv: (i) => i.amount_remaining,
    },
    ...(session.can('billing:write')
      ? [
          {
            header: 'Action',
            cell: (i: Invoice) =>
              i.amount_remaining > 0 && i.status === 'open' ? (
                <Button size="xs" variant="light" onClick={() => setActive(withRefresh(recordPayment(i)))}>
                  Record payment
                </Button>
              ) : null,
            csv: () => null,
          },
        ]
      : []),
  ];
  const stepColumns: Column<Step>[] = [
    { header: 'Step', cell: (s) => s.step_id, csv: (s) => s.step_id },
    { header: 'Action', cell: (s) => s.action, csv: (s) => s.action },
    { header: 'Due', cell: (s) => formatInstant(s.due_at), csv: (s) => s.due_at },
    { header: 'Status', cell: (s) => s.status, csv: (s) => s.status },
    { header: 'Done', cell: (s) => formatInstant(s.completed_at), csv: (s) => s.completed_at },
  ];
  const methodColumns: Column<Method>[] = [
    { header: 'Type', cell: (m) => `${m.type}${m.brand ? ` · ${m.brand}` : ''}`, csv: (m) => m.type },
    { header: 'Ending', cell: (m) => m.last4 ?? '–', csv: (m) => m.last4 },
    {
      header: 'Expires',
      cell: (m) => (m.exp_month ? `${String(m.exp_month).padStart(2, '0')}/${m.exp_year}` : '–'),
      csv: (m) => (m.exp_month ? `${m.exp_month}/${m.exp_year}` : null),
    },
    { header: 'Priority', align: 'right', cell: (m) => m.priority, csv: (m) => m.priority },
    { header: 'Status', cell: (m) => m.status, csv: (m) => m.status },
  ];
  const policyLabel = `${c.policy.name} v${c.policy.version}`;
  return (
    <Stack>
      <Group justify="space-between" align="flex-start">
        <Stack gap={4}>
          <Anchor component={Link} to="/cases" size="sm">
            ← All cases
          </Anchor>
          <Title order={2}>
            {c.customer_name} · {formatMoney(c.amount_owed, c.currency)} owed
          </Title>
          <Group gap="xs">
            <Badge variant="light" color={c.state === 'needs_attention' ? 'red' : undefined}>
              {c.state.replace('_', ' ')}
            </Badge>
            {c.error_count > 0 && (
              <Badge color="orange" variant="outline" title={c.last_error ?? undefined}>
                failed {c.error_count}× in a row
              </Badge>
            )}
            {c.paused && <Badge color="dark">paused</Badge>}
            {c.escalated_at && <Badge color="grape">escalated {formatDate(c.escalated_at)}</Badge>}
            <Text size="sm" c="dimmed">
              {policyLabel} · opened {formatDate(c.opened_at)} ·{' '}
              {c.assignee ? `assigned to ${c.assignee.email}` : 'unassigned'} · case {c.id}
            </Text>
          </Group>
          {c.last_error && (
            <Text size="sm" c="red">
              Last error: {c.last_error}
            </Text>
          )}
        </Stack>
        <Group gap="xs" aria-label="Case actions" role="group">
          {actionsFor(c, session, assignees.data?.data ?? []).map((a) => (
            <Button
              key={a.id}
              variant={a.danger ? 'outline' : 'default'}
              color={a.danger ? 'red' : undefined}
              onClick={() => setActive(withRefresh(a))}
            >
              {a.label}
            </Button>
          ))}
        </Group>
      </Group>
      <SimpleGrid cols={{ base: 1, sm: 4 }}>
        <Figure label="Failed" value={formatMoney(c.amount_failed, c.currency)} />
        <Figure label="Recovered" value={formatMoney(c.amount_recovered, c.currency)} />
        <Figure label="Still owed" value={formatMoney(c.amount_owed, c.currency)} />
        <Figure label="Next step" value={formatInstant(c.next_due_at)} />
      </SimpleGrid>
      <Grid>
        <Grid.Col span={{ base: 12, md: 4 }}>
          <Card withBorder component="section" aria-labelledby="customer-heading">
            <Title order={3} size="h5" id="customer-heading">
              Customer
            </Title>
            {customer.isPending ? (
              <Loading what="the customer" />
            ) : customer.isError ? (
              <ErrorState error={customer.error} />
            ) : (
              <Stack gap={2} mt="xs">
                <Text fw={600}>{customer.data.name}</Text>
                <Text size="sm">{customer.data.email ?? 'no email on file'}</Text>
                <Text size="sm">{customer.data.phone ?? 'no phone on file'}</Text>
                <Text size="sm" c="dimmed">
                  {customer.data.locale} · {customer.data.time_zone}
                </Text>
                {customer.data.opted_out.length > 0 && (
                  <Text size="sm" c="orange.9">
                    Opted out of: {customer.data.opted_out.join(', ')}
                  </Text>
                )}
              </Stack>
            )}
          </Card>
        </Grid.Col>
        <Grid.Col span={{ base: 12, md: 8 }}>
          <Card withBorder component="section" aria-labelledby="methods-heading">
            <Title order={3} size="h5" id="methods-heading">
              Payment methods
            </Title>
            {methods.isPending ? (
              <Loading what="payment methods" />
            ) : methods.isError ? (
              <ErrorState error={methods.error} />
            ) : methods.data.data.length === 0 ? (
              <Text size="sm" c="dimmed" mt="xs">
                No payment method on file: reminders ask the customer to pay through the payment link.
              </Text>
            ) : (
              <DataTable
                caption="Payment methods, tried in priority order"
                columns={methodColumns}
                rows={methods.data.data}
                rowKey={(m) => m.id}
                exportName={`case-${c.id}-payment-methods`}
              />
            )}
          </Card>
        </Grid.Col>
      </Grid>
      <Card withBorder component="section">
        <DataTable
          caption="Invoices in this case"
          columns={invoiceColumns}
          rows={c.invoices}
          rowKey={(i) => i.id}
          exportName={`case-${c.id}-invoices`}
        />
      </Card>
      <Card withBorder component="section">
        <DataTable
          caption={`Planned steps (${policyLabel})`}
          columns={stepColumns}
          rows={c.steps}
          rowKey={(s) => s.step_id}
          exportName={`case-${c.id}-steps`}
        />
      </Card>
      <Card withBorder component="section" aria-labelledby="timeline-heading">
        <Title order={3} size="h5" id="timeline-heading" mb="sm">
          Timeline
        </Title>
        <CaseTimeline events={c.timeline} policyVersions={new Map([[c.policy.id, policyLabel]])} />
      </Card>
      {active && (
        <ActionModal
          title={active.title}
          submitLabel={active.submitLabel ?? active.label}
          fields={active.fields}
          danger={active.danger}
          done={active.done}
          onSubmit={active.submit}
          onClose={() => setActive(null)}
        />
      )}
    </Stack>
  );
}

function Figure({ label, value }: { label: string; value: string }) {
  return (
    <Card withBorder padding="sm">
      <Text size="xs" c="dimmed" tt="uppercase" fw={700}>
        {label}
      </Text>
      <Text fw={700} size="lg">
        {value}
      </Text>
    </Card>
  );
}
