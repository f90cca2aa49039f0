import { useQuery } from '@tanstack/react-query';
import { api, unwrap } from '../../api/client.ts';
import { useSession } from '../../auth/session.tsx';
import type { Column } from '../../components/data-table.tsx';
import { formatInstant } from '../../format/dates.ts';
import { CreateUser } from './create-user.tsx';
import { ListTab, StatusBadge } from './list-tab.tsx';
import type { User } from './types.ts';
import { RoleSelect, UserActions } from './user-actions.tsx';

/** Users and roles: who may sign in and what they may do; admins add, re-role, reset and disable. */
export function UsersTab() {
  const session = useSession();
  const admin = session.can('admin');
  const users = useQuery({ queryKey: ['users'], queryFn: () => unwrap(api.GET('/v1/users')) });
  // An admin cannot demote or disable themselves here: the last admin doing so would lock everyone out.
  const self = (u: User) => u.id === session.user.id;
  const columns: Column<User>[] = [
    { header: 'Email', cell: (u) => (self(u) ? `${u.email} (you)` : u.email), csv: (u) => u.email },
    { header: 'Name', cell: (u) => u.name, csv: (u) => u.name },
    {
      header: 'Role',
      cell: (u) => (admin && !self(u) ? <RoleSelect user={u} /> : u.role),
      csv: (u) => u.role,
    },
    {
      header: 'Status',
      cell: (u) => <StatusBadge ended={u.disabled && 'disabled'} />,
      csv: (u) => (u.disabled ? 'disabled' : 'active'),
    },
    { header: 'Created', cell: (u) => formatInstant(u.created_at), csv: (u) => u.created_at },
  ];
  if (admin) {
    columns.push({
      header: 'Actions',
      cell: (u) => (self(u) ? null : <UserActions user={u} />),
      csv: () => null,
    });
  }
  return (
    <ListTab
      create={admin && <CreateUser />}
      query={users}
      what="users"
      emptyTitle="No users yet"
      empty="Add one with “Add a user”, or run “recoup users create” on the server."
      caption="Users and roles"
      columns={columns}
      rowKey={(u) => u.id}
      exportName="users"
    >
      People who sign in to this dashboard. A role sets what they may do: viewers read, agents work cases,
      managers also change billing data and policies, admins also manage users, API keys and webhooks.
    </ListTab>
  );
}
