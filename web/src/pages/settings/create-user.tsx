import { NativeSelect, TextInput } from '@mantine/core';
import { IconUserPlus } from '@tabler/icons-react';
import { api, unwrap } from '../../api/client.ts';
import { FormDialog, useApiForm } from './form-dialog.tsx';
import { OneTimeSecret } from './one-time-secret.tsx';
import { generatePassword } from './password.ts';
import { ROLE_OPTIONS, type Role } from './types.ts';

/** "Add a user": email, name and role; the password is generated here and shown once for the admin to pass on. */
export function CreateUser() {
  const form = useApiForm({
    initial: { email: '', name: '', role: 'viewer' as Role },
    fields: ['email', 'name', 'role', 'password'],
    send: ({ email, name, role }) => {
      const password = generatePassword();
      return unwrap(
        api.POST('/v1/users', { body: { email, role, password, ...(name.trim() ? { name } : {}) } }),
      ).then((user) => ({ user, password }));
    },
    invalidates: ['users'],
  });
  return (
    <FormDialog
      form={form}
      trigger={{ leftSection: <IconUserPlus size={16} aria-hidden />, children: 'Add a user' }}
      title="Add a user"
      submitLabel="Create user"
      created={({ user, password }) => (
        <OneTimeSecret label="One-time password" secret={password}>
          {user.email} can now sign in as {user.role} with this password. Send it to them over a private
          channel; an admin can set a new one later with “Reset password”.
        </OneTimeSecret>
      )}
    >
      <TextInput label="Email" type="email" required data-autofocus {...form.inputProps('email')} />
      <TextInput
        label="Name"
        description="Optional; the email is used when empty"
        {...form.inputProps('name')}
      />
      <NativeSelect
        label="Role"
        {...form.inputProps('role')}
        data={ROLE_OPTIONS.map((r) => ({ value: r.value, label: r.label }))}
      />
    </FormDialog>
  );
}
