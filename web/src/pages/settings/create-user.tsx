import { Alert, Button, Group, Modal, NativeSelect, Stack, TextInput } from '@mantine/core';
import { useDisclosure } from '@mantine/hooks';
import { IconUserPlus } from '@tabler/icons-react';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { type FormEvent, useState } from 'react';
import { api, unwrap } from '../../api/client.ts';
import { fieldError, formError } from './field-errors.ts';
import { OneTimeSecret } from './one-time-secret.tsx';
import { generatePassword } from './password.ts';
import { ROLE_OPTIONS, type Role } from './types.ts';

/** "Add a user": email, name and role; the password is generated here and shown once for the admin to pass on. */
export function CreateUser() {
  const client = useQueryClient();
  const [opened, { open, close }] = useDisclosure(false);
  const [email, setEmail] = useState('');
  const [name, setName] = useState('');
  const [role, setRole] = useState<Role>('viewer');
  const create = useMutation({
    mutationFn: (password: string) =>
      unwrap(
        api.POST('/v1/users', { body: { email, role, password, ...(name.trim() ? { name } : {}) } }),
      ).then((user) => ({ user, password })),
    onSuccess: () => void client.invalidateQueries({ queryKey: ['users'] }),
  });
  const reset = () => {
    close();
    create.reset();
    setEmail('');
    setName('');
    setRole('viewer');
  };
  const submit = (event: FormEvent) => {
    event.preventDefault();
    create.mutate(generatePassword());
  };
  const general = formError(create.error, ['email', 'name', 'role', 'password']);
  return (
    <>
      <Button leftSection={<IconUserPlus size={16} aria-hidden />} onClick={open}>
        Add a user
      </Button>
      <Modal opened={opened} onClose={reset} title="Add a user">
        {create.data ? (
          <Stack>
            <OneTimeSecret label="One-time password" secret={create.data.password}>
              {create.data.user.email} can now sign in as {create.data.user.role} with this password. Send it
              to them over a private channel; an admin can set a new one later with “Reset password”.
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
                label="Email"
                type="email"
                required
                data-autofocus
                value={email}
                onChange={(e) => setEmail(e.currentTarget.value)}
                error={fieldError(create.error, 'email')}
              />
              <TextInput
                label="Name"
                description="Optional; the email is used when empty"
                value={name}
                onChange={(e) => setName(e.currentTarget.value)}
                error={fieldError(create.error, 'name')}
              />
              <NativeSelect
                label="Role"
                value={role}
                onChange={(e) => setRole(e.currentTarget.value as Role)}
                data={ROLE_OPTIONS.map((r) => ({ value: r.value, label: r.label }))}
                error={fieldError(create.error, 'role')}
              />
              <Group justify="flex-end">
                <Button variant="default" onClick={reset}>
                  Cancel
                </Button>
                <Button type="submit" loading={create.isPending}>
                  Create user
                </Button>
              </Group>
            </Stack>
          </form>
        )}
      </Modal>
    </>
  );
}
