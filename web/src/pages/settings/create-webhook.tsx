import { TagsInput, TextInput } from '@mantine/core';
import { IconPlus } from '@tabler/icons-react';
import { api, unwrap } from '../../api/client.ts';
import { EVENT_PATTERNS } from './event-types.ts';
import { FormDialog, useApiForm } from './form-dialog.tsx';
import { OneTimeSecret } from './one-time-secret.tsx';

/** "Add a subscription": a URL, the events it wants and a note; its signing secret is shown once. */
export function CreateWebhook() {
  const form = useApiForm({
    initial: { url: '', events: [] as string[], description: '' },
    fields: ['url', 'event_types', 'description'],
    send: ({ url, events, description }) =>
      unwrap(
        api.POST('/v1/webhook-subscriptions', {
          body: {
            url,
            ...(events.length > 0 ? { event_types: events } : {}),
            ...(description.trim() ? { description: description.trim() } : {}),
          },
        }),
      ),
    invalidates: ['webhook-subscriptions'],
  });
  return (
    <FormDialog
      form={form}
      trigger={{ leftSection: <IconPlus size={16} aria-hidden />, children: 'Add a subscription' }}
      title="Add a webhook subscription"
      size="lg"
      submitLabel="Add subscription"
      created={(subscription) => (
        <OneTimeSecret label="Signing secret" secret={subscription.secret}>
          Events for {subscription.event_types.join(', ')} now go to {subscription.url}. Verify each
          delivery’s Recoup-Signature header (HMAC-SHA256 of “t.body”) with this secret.
        </OneTimeSecret>
      )}
    >
      <TextInput
        label="URL"
        description="Where Recoup POSTs the events (http or https)"
        type="url"
        required
        data-autofocus
        {...form.inputProps('url')}
      />
      <TagsInput
        label="Event types"
        description="Leave empty for every event (*). Press Enter after each; case.* names a family."
        data={EVENT_PATTERNS as string[]}
        value={form.draft.events}
        onChange={(events) => form.set('events', events)}
        error={form.fieldError('event_types')}
      />
      <TextInput
        label="Description"
        description="Optional: who owns the endpoint"
        maxLength={500}
        {...form.inputProps('description')}
      />
    </FormDialog>
  );
}
