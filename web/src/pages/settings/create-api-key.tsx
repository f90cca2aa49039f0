import { Alert, Button, Group, Modal, NativeSelect, Stack, TextInput } from '@mantine/core';
import { useDisclosure } from '@mantine/hooks';
import { IconPlus } from '@tabler/icons-react';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { type FormEvent, useState } from 'react';
import { api, unwrap } from '../../api/client.ts';
import { fieldError, formError } from './field-errors.ts';
import { OneTimeSecret } from './one-time-secret.tsx';
import { SCOPE_OPTIONS, type Scope } from './types.ts';

/** "Create an API key": a name and a scope; the secret is shown once, then only its prefix is ever listed. */
export function CreateApiKey() {
  const client = useQueryClient();
  const [opened, { open, close }] = useDisclosure(false);
  const [name, setName] = useState('');
  const [scope, setScope] = useState<Scope>('read');
  const create = useMutation({
    mutationFn: () => unwrap(api.POST('/v1/api-keys', { body: { name, scope } })),
    onSuccess: () => void client.invalidateQueries({ queryKey: ['api-keys'] }),
  });
  // Closing forgets the secret: the mutation's data is the only copy the browser holds.
  const reset = () => {
    close();
    create.reset();
    setName('');
    setScope('read');
  };
  const submit = (event: FormEvent) => {
    event.preventDefault();
    create.mutate();
  };
  const general = formError(create.error, ['name', 'scope']);
  return (
    <>
      <Button leftSection={<IconPlus size={16} aria-hidden />} onClick={open}>
        Create an API key
      </Button>
      <Modal opened={opened} onClose={reset} title="Create an API key">
        {create.data ? (
          <Stack>
            <OneTimeSecret label="Secret" secret={create.data.secret}>
              Key “{create.data.name}” ({create.data.scope}) is ready. Programs send it as{' '}
              <code>Authorization: Bearer …</code>. Recoup keeps only a hash: if it is lost, revoke it and
              make a new one.
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
                label="Name"
                description="What uses it, e.g. billing-sync or grafana"
                required
                maxLength={200}
                data-autofocus
                value={name}
                onChange={(e) => setName(e.currentTarget.value)}
                error={fieldError(create.error, 'name')}
              />
              <NativeSelect
                label="Scope"
                value={scope}
                onChange={(e) => setScope(e.currentTarget.value as Scope)}
                data={SCOPE_OPTIONS.map((s) => ({ value: s.value, label: s.label }))}
                error={fieldError(create.error, 'scope')}
              />
              <Group justify="flex-end">
                <Button variant="default" onClick={reset}>
                  Cancel
                </Button>
                <Button type="submit" loading={create.isPending}>
                  Create key
                </Button>
              </Group>
            </Stack>
          </form>
        )}
      </Modal>
    </>
  );
}
