import { Code } from '@mantine/core';
import { notifications } from '@mantine/notifications';
import { useQuery, useQueryClient } from '@tanstack/react-query';
import { api, unwrap } from '../../api/client.ts';
import { useSession } from '../../auth/session.tsx';
import type { Column } from '../../components/data-table.tsx';
import { formatInstant } from '../../format/dates.ts';
import { ConfirmButton } from './confirm-button.tsx';
import { CreateApiKey } from './create-api-key.tsx';
import { ListTab, StatusBadge } from './list-tab.tsx';
import type { ApiKey } from './types.ts';

/** Revokes one key after asking; programs using it get 401 from the next request on. */
function RevokeKey({ apiKey }: { apiKey: ApiKey }) {
  const client = useQueryClient();
  const revoke = async () => {
    await unwrap(api.POST('/v1/api-keys/{id}/revoke', { params: { path: { id: apiKey.id } } }));
    await client.invalidateQueries({ queryKey: ['api-keys'] });
    notifications.show({ color: 'teal', message: `Key “${apiKey.name}” is revoked.` });
  };
  return (
    <ConfirmButton
      aria-label={`Revoke key ${apiKey.name}`}
      title={`Revoke key “${apiKey.name}”?`}
      message={`Programs using ${apiKey.prefix}… are refused from their next request on. This cannot be undone.`}
      confirmLabel="Revoke key"
      onConfirm={revoke}
    >
      Revoke
    </ConfirmButton>
  );
}

/** API keys: listed by name, prefix and scope (never their secrets); admins create and revoke. */
export function ApiKeysTab() {
  const admin = useSession().can('admin');
  const keys = useQuery({ queryKey: ['api-keys'], queryFn: () => unwrap(api.GET('/v1/api-keys')) });
  const columns: Column<ApiKey>[] = [
    { header: 'Name', cell: (k) => k.name, csv: (k) => k.name },
    { header: 'Prefix', cell: (k) => <Code>{k.prefix}…</Code>, csv: (k) => k.prefix },
    { header: 'Scope', cell: (k) => k.scope, csv: (k) => k.scope },
    { header: 'Created', cell: (k) => formatInstant(k.created_at), csv: (k) => k.created_at },
    { header: 'Last used', cell: (k) => formatInstant(k.last_used_at), csv: (k) => k.last_used_at },
    {
      header: 'Status',
      cell: (k) => <StatusBadge ended={k.revoked_at && `revoked ${formatInstant(k.revoked_at)}`} />,
      csv: (k) => (k.revoked_at ? `revoked ${k.revoked_at}` : 'active'),
    },
  ];
  if (admin) {
    columns.push({
      header: 'Actions',
      cell: (k) => (k.revoked_at ? null : <RevokeKey apiKey={k} />),
      csv: () => null,
    });
  }
  return (
    <ListTab
      create={admin && <CreateApiKey />}
      query={keys}
      what="API keys"
      emptyTitle="No API keys yet"
      empty="Create one for each program that calls Recoup, so each can be revoked alone."
      caption="API keys"
      columns={columns}
      rowKey={(k) => k.id}
      exportName="api-keys"
    >
      Keys let programs call the API (Authorization: Bearer). A key’s scope limits it: read, write (cases,
      billing data, policies) or admin. The secret is shown once, when the key is made.
    </ListTab>
  );
}
