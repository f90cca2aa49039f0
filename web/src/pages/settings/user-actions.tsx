import { Button, Group, Modal, NativeSelect, Stack } from '@mantine/core';
import { notifications } from '@mantine/notifications';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { api, unwrap } from '../../api/client.ts';
import { ConfirmButton } from './confirm-button.tsx';
import { OneTimeSecret } from './one-time-secret.tsx';
import { generatePassword } from './password.ts';
import { ROLE_OPTIONS, type Role, type User } from './types.ts';

type UserPatch = { role?: Role; disabled?: boolean; password?: string };

function usePatchUser(user: User) {
  const client = useQueryClient();
  return useMutation({
    mutationFn: (patch: UserPatch) =>
      unwrap(api.PATCH('/v1/users/{id}', { params: { path: { id: user.id } }, body: patch })),
    onSuccess: () => void client.invalidateQueries({ queryKey: ['users'] }),
  });
}

/** A user's role as a picker; changing it takes effect on their next request. */
export function RoleSelect({ user }: { user: User }) {
  const patch = usePatchUser(user);
  const change = (role: Role) =>
    patch.mutate(
      { role },
      {
        onSuccess: () => notifications.show({ color: 'teal', message: `${user.email} is now ${role}.` }),
        onError: (e) => notifications.show({ color: 'red', title: 'Role not changed', message: e.message }),
      },
    );
  return (
    <NativeSelect
      size="xs"
      aria-label={`Role of ${user.email}`}
      value={user.role}
      disabled={patch.isPending || user.disabled}
      onChange={(e) => change(e.currentTarget.value as Role)}
      data={ROLE_OPTIONS.map((r) => ({ value: r.value, label: r.value }))}
    />
  );
}

/** Reset password and disable/enable, for someone other than the signed-in admin (no locking yourself out). */
export function UserActions({ user }: { user: User }) {
  const patch = usePatchUser(user);
  // The new password lives only in this component's state until the dialog closes.
  const [password, setPassword] = useState<string | null>(null);
  const resetPassword = async () => {
    const next = generatePassword();
    await patch.mutateAsync({ password: next });
    setPassword(next);
  };
  return (
    <Group gap={6} wrap="nowrap">
      {!user.disabled && (
        <ConfirmButton
          color="gray"
          variant="default"
          aria-label={`Reset password of ${user.email}`}
          title={`Reset ${user.email}’s password?`}
          message="A new password is generated and shown once; the old one stops working and they are signed out."
          confirmLabel="Reset password"
          onConfirm={resetPassword}
        >
          Reset password
        </ConfirmButton>
      )}
      {user.disabled ? (
        <Button
          size="xs"
          variant="light"
          aria-label={`Enable ${user.email}`}
          loading={patch.isPending}
          onClick={() => patch.mutate({ disabled: false })}
        >
          Enable
        </Button>
      ) : (
        <ConfirmButton
          aria-label={`Disable ${user.email}`}
          title={`Disable ${user.email}?`}
          message="They are signed out everywhere and cannot sign in until an admin enables them again."
          confirmLabel="Disable user"
          onConfirm={() => patch.mutateAsync({ disabled: true })}
        >
          Disable
        </ConfirmButton>
      )}
      <Modal
        opened={password !== null}
        onClose={() => setPassword(null)}
        title={`New password for ${user.email}`}
      >
        <Stack>
          <OneTimeSecret label="One-time password" secret={password ?? ''}>
            Send it to {user.email} over a private channel.
          </OneTimeSecret>
          <Group justify="flex-end">
            <Button onClick={() => setPassword(null)}>Done</Button>
          </Group>
        </Stack>
      </Modal>
    </Group>
  );
}
