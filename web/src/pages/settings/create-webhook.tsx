import { Alert, Button, Group, Modal, Stack, TagsInput, TextInput } from '@mantine/core';
import { useDisclosure } from '@mantine/hooks';
import { IconPlus } from '@tabler/icons-react';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { type FormEvent, useState } from 'react';
import { api, unwrap } from '../../api/client.ts';
import { EVENT_PATTERNS } from './event-types.ts';
import { fieldError, formError } from './field-errors.ts';
import { OneTimeSecret } from './one-time-secret.tsx';

/** "Add a subscription": a URL, the events it wants and a note; its signing secret is shown once. */
export function CreateWebhook() {
  const client = useQueryClient();
  const [opened, { open, close }] = useDisclosure(false);
  const [url, setUrl] = useState('');
  const [events, setEvents] = useState<string[]>([]);
  const [description, setDescription] = useState('');
  const create = useMutation({
    mutationFn: () =>
      unwrap(
        api.POST('/v1/webhook-subscriptions', {
          body: {
            url,
            ...(events.length > 0 ? { event_types: events } : {}),
            ...(description.trim() ? { description: description.trim() } : {}),
          },
        }),
      ),
    onSuccess: () => void client.invalidateQueries({ queryKey: ['webhook-subscriptions'] }),
  });
  const reset = () => {
    close();
    create.reset();
    setUrl('');
    setEvents([]);
    setDescription('');
  };
  const submit = (event: FormEvent) => {
    event.preventDefault();
    create.mutate();
  };
  const general = formError(create.error, ['url', 'event_types', 'description']);
  return (
    <>
      <Button leftSection={<IconPlus size={16} aria-hidden />} onClick={open}>
        Add a subscription
      </Button>
      <Modal opened={opened} onClose={reset} title="Add a webhook subscription" size="lg">
        {create.data ? (
          <Stack>
            <OneTimeSecret label="Signing secret" secret={create.data.secret}>
              Events for {create.data.event_types.join(', ')} now go to {create.data.url}. Verify each
              delivery’s Recoup-Signature header (HMAC-SHA256 of “t.body”) with this secret.
            </OneTimeSecret>
            <Group justify="flex-end">
              <Button onClick={reset}>Done</Button>
            </Group>
          </Stack>
        ) : (
          <form onSubmit={submit}>
            <Stack>
              {general && (
                <Alert color="red" role="alert">
                  {general}
                </Alert>
              )}
              <TextInput
                label="URL"
                description="Where Recoup POSTs the events (http or https)"
                type="url"
                required
                data-autofocus
                value={url}
                onChange={(e) => setUrl(e.currentTarget.value)}
                error={fieldError(create.error, 'url')}
              />
              <TagsInput
                label="Event types"
                description="Leave empty for every event (*). Press Enter after each; case.* names a family."
                data={EVENT_PATTERNS as string[]}
                value={events}
                onChange={setEvents}
                error={fieldError(create.error, 'event_types')}
              />
              <TextInput
                label="Description"
                description="Optional: who owns the endpoint"
                maxLength={500}
                value={description}
                onChange={(e) => setDescription(e.currentTarget.value)}
                error={fieldError(create.error, 'description')}
              />
              <Group justify="flex-end">
                <Button variant="default" onClick={reset}>
                  Cancel
                </Button>
                <Button type="submit" loading={create.isPending}>
                  Add subscription
                </Button>
              </Group>
            </Stack>
          </form>
        )}
      </Modal>
    </>
  );
}
