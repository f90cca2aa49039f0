import { Text, TextInput } from '@mantine/core';
import { notifications } from '@mantine/notifications';
import { api, unwrap } from '../../api/client.ts';
import { FormDialog, useApiForm } from './form-dialog.tsx';
import type { WebhookSubscription } from './types.ts';

/** Sends a subscription's events again: those since a moment, or (left empty) the deliveries Recoup gave up on. */
export function ReplayWebhook({ subscription }: { subscription: WebhookSubscription }) {
  const form = useApiForm({
    initial: { since: '' },
    fields: ['since'],
    send: ({ since }) =>
      unwrap(
        api.POST('/v1/webhook-subscriptions/{id}/replay', {
          params: { path: { id: subscription.id } },
          // datetime-local is the viewer's wall clock; Date reads it in their zone.
          body: since ? { since: new Date(since).toISOString() } : {},
        }),
      ),
    onSuccess: (reply, close) => {
      notifications.show({
        color: 'teal',
        title: 'Replay queued',
        message: `${reply.queued} event${reply.queued === 1 ? '' : 's'} will be sent to ${subscription.url} again.`,
      });
      close();
    },
  });
  return (
    <FormDialog
      form={form}
      trigger={{
        size: 'xs',
        variant: 'light',
        'aria-label': `Replay events to ${subscription.url}`,
        children: 'Replay',
      }}
      title="Replay events"
      submitLabel="Replay"
      intro={
        <Text size="sm">
          Sends events to {subscription.url} again, in order. Receivers should de-duplicate by
          Recoup-Event-Id.
        </Text>
      }
    >
      <TextInput
        label="Resend events since"
        description="Your local time. Leave empty to resend only the deliveries Recoup gave up on."
        type="datetime-local"
        {...form.inputProps('since')}
      />
    </FormDialog>
  );
}
