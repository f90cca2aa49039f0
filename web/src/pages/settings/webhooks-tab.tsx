import { Group } from '@mantine/core';
import { notifications } from '@mantine/notifications';
import { useQuery, useQueryClient } from '@tanstack/react-query';
import { api, unwrap } from '../../api/client.ts';
import { useSession } from '../../auth/session.tsx';
import type { Column } from '../../components/data-table.tsx';
import { formatInstant } from '../../format/dates.ts';
import { ConfirmButton } from './confirm-button.tsx';
import { CreateWebhook } from './create-webhook.tsx';
import { ListTab, StatusBadge } from './list-tab.tsx';
import { ReplayWebhook } from './replay-webhook.tsx';
import type { WebhookSubscription } from './types.ts';

/** Stops deliveries to one subscription after asking. */
function DisableWebhook({ subscription }: { subscription: WebhookSubscription }) {
  const client = useQueryClient();
  const disable = async () => {
    await unwrap(
      api.POST('/v1/webhook-subscriptions/{id}/disable', { params: { path: { id: subscription.id } } }),
    );
    await client.invalidateQueries({ queryKey: ['webhook-subscriptions'] });
    notifications.show({ color: 'teal', message: `Nothing more is sent to ${subscription.url}.` });
  };
  return (
    <ConfirmButton
      aria-label={`Disable subscription ${subscription.url}`}
      title="Disable this subscription?"
      message={`Recoup stops sending events to ${subscription.url}.`}
      confirmLabel="Disable subscription"
      onConfirm={disable}
    >
      Disable
    </ConfirmButton>
  );
}

/** Webhook subscriptions: where Recoup sends its signed events; admins add, disable and replay. */
export function WebhooksTab() {
  const admin = useSession().can('admin');
  const subscriptions = useQuery({
    queryKey: ['webhook-subscriptions'],
    queryFn: () => unwrap(api.GET('/v1/webhook-subscriptions')),
  });
  const columns: Column<WebhookSubscription>[] = [
    { header: 'URL', cell: (s) => s.url, csv: (s) => s.url },
    { header: 'Events', cell: (s) => s.event_types.join(', '), csv: (s) => s.event_types.join(' ') },
    { header: 'Description', cell: (s) => s.description ?? '–', csv: (s) => s.description },
    { header: 'Created', cell: (s) => formatInstant(s.created_at), csv: (s) => s.created_at },
    {
      header: 'Status',
      cell: (s) => <StatusBadge ended={s.disabled_at && 'disabled'} />,
      csv: (s) => (s.disabled_at ? `disabled ${s.disabled_at}` : 'active'),
    },
  ];
  if (admin) {
    columns.push({
      header: 'Actions',
      cell: (s) =>
        s.disabled_at ? null : (
          <Group gap={6} wrap="nowrap">
            <ReplayWebhook subscription={s} />
            <DisableWebhook subscription={s} />
          </Group>
        ),
      csv: () => null,
    });
  }
  return (
    <ListTab
      create={admin && <CreateWebhook />}
      query={subscriptions}
      what="webhook subscriptions"
      emptyTitle="No webhook subscriptions yet"
      empty="Add one to tell your CRM or data warehouse when a case opens, recovers or escalates."
      caption="Webhook subscriptions"
      columns={columns}
      rowKey={(s) => s.id}
      exportName="webhook-subscriptions"
    >
      Recoup POSTs signed events (case opened, recovered, payment failed…) to these URLs, at least once and in
      order per case, retrying with backoff.
    </ListTab>
  );
}
