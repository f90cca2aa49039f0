import { Stack, Tabs, Text, Title } from '@mantine/core';
import type { ReactNode } from 'react';
import { Navigate, Route, Routes, useNavigate, useParams } from 'react-router';
import { type Permission, useSession } from '../../auth/session.tsx';
import { ApiKeysTab } from './api-keys-tab.tsx';
import { EmailTab } from './email-tab.tsx';
import { UsersTab } from './users-tab.tsx';
import { WebhooksTab } from './webhooks-tab.tsx';

interface SettingsTab {
  readonly value: string;
  readonly label: string;
  /** The API lists users, keys and subscriptions to admins only; others would only meet a 403. */
  readonly needs: Permission;
  readonly panel: () => ReactNode;
}

const TABS: readonly SettingsTab[] = [
  { value: 'users', label: 'Users and roles', needs: 'admin', panel: () => <UsersTab /> },
  { value: 'api-keys', label: 'API keys', needs: 'admin', panel: () => <ApiKeysTab /> },
  { value: 'webhooks', label: 'Webhook subscriptions', needs: 'admin', panel: () => <WebhooksTab /> },
  { value: 'email', label: 'Email and contact hours', needs: 'data:read', panel: () => <EmailTab /> },
];

/** The tabs this person may open, each at its own address (/settings/<tab>) so it can be linked and reloaded. */
function SettingsTabs({ tabs }: { tabs: readonly SettingsTab[] }) {
  const navigate = useNavigate();
  const tab = useParams()['tab'];
  const first = tabs[0]!.value;
  if (!tabs.some((t) => t.value === tab)) return <Navigate to={`/settings/${first}`} replace />;
  return (
    <Tabs value={tab} onChange={(next) => next && navigate(`/settings/${next}`)} keepMounted={false}>
      <Tabs.List aria-label="Settings">
        {tabs.map((t) => (
          <Tabs.Tab key={t.value} value={t.value}>
            {t.label}
          </Tabs.Tab>
        ))}
      </Tabs.List>
      {tabs.map((t) => (
        <Tabs.Panel key={t.value} value={t.value} pt="md">
          {t.panel()}
        </Tabs.Panel>
      ))}
    </Tabs>
  );
}

/** Settings: users and roles, API keys, webhook subscriptions (admins), email and contact hours (everyone). */
export default function SettingsPage() {
  const session = useSession();
  const tabs = TABS.filter((t) => session.can(t.needs));
  return (
    <Stack>
      <Title order={2}>Settings</Title>
      {!session.can('admin') && (
        <Text size="sm" c="dimmed">
          Users, API keys and webhook subscriptions are managed by admins; you are signed in as{' '}
          {session.user.role}.
        </Text>
      )}
      <Routes>
        <Route path=":tab" element={<SettingsTabs tabs={tabs} />} />
        <Route path="*" element={<Navigate to={`/settings/${tabs[0]!.value}`} replace />} />
      </Routes>
    </Stack>
  );
}
