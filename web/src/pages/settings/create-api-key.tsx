import { NativeSelect, TextInput } from '@mantine/core';
import { IconPlus } from '@tabler/icons-react';
import { api, unwrap } from '../../api/client.ts';
import { FormDialog, useApiForm } from './form-dialog.tsx';
import { OneTimeSecret } from './one-time-secret.tsx';
import { SCOPE_OPTIONS, type Scope } from './types.ts';

/** "Create an API key": a name and a scope; the secret is shown once, then only its prefix is ever listed. */
export function CreateApiKey() {
  const form = useApiForm({
    initial: { name: '', scope: 'read' as Scope },
    fields: ['name', 'scope'],
    send: ({ name, scope }) => unwrap(api.POST('/v1/api-keys', { body: { name, scope } })),
    invalidates: ['api-keys'],
  });
  return (
    <FormDialog
      form={form}
      trigger={{ leftSection: <IconPlus size={16} aria-hidden />, children: 'Create an API key' }}
      title="Create an API key"
      submitLabel="Create key"
      created={(key) => (
        <OneTimeSecret label="Secret" secret={key.secret}>
          Key “{key.name}” ({key.scope}) is ready. Programs send it as <code>Authorization: Bearer …</code>.
          Recoup keeps only a hash: if it is lost, revoke it and make a new one.
        </OneTimeSecret>
      )}
    >
      <TextInput
        label="Name"
        description="What uses it, e.g. billing-sync or grafana"
        required
        maxLength={200}
        data-autofocus
        {...form.inputProps('name')}
      />
      <NativeSelect
        label="Scope"
        {...form.inputProps('scope')}
        data={SCOPE_OPTIONS.map((s) => ({ value: s.value, label: s.label }))}
      />
    </FormDialog>
  );
}
