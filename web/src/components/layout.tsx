import { AppShell, Burger, Button, Group, NavLink, Text, Title } from '@mantine/core';
import { useDisclosure } from '@mantine/hooks';
import {
  IconBriefcase,
  IconChartBar,
  IconChartLine,
  IconFileText,
  IconGauge,
  IconLogout,
  IconMailQuestion,
  IconSettings,
  IconTimeline,
} from '@tabler/icons-react';
import { Suspense } from 'react';
import { Link, Navigate, Outlet, useLocation } from 'react-router';
import { type Permission, useSessionState } from '../auth/session.tsx';
import { Loading } from './page-state.tsx';

const NAV: readonly { to: string; label: string; icon: typeof IconGauge; needs: Permission }[] = [
  { to: '/', label: 'Overview', icon: IconGauge, needs: 'data:read' },
  { to: '/what-works', label: 'What works', icon: IconChartBar, needs: 'data:read' },
  { to: '/forecast', label: 'Forecast', icon: IconChartLine, needs: 'data:read' },
  { to: '/cases', label: 'Cases', icon: IconBriefcase, needs: 'data:read' },
  { to: '/messages/unknown', label: 'Unknown messages', icon: IconMailQuestion, needs: 'data:read' },
  { to: '/policies', label: 'Policies', icon: IconTimeline, needs: 'data:read' },
  { to: '/templates', label: 'Templates', icon: IconFileText, needs: 'data:read' },
  { to: '/settings', label: 'Settings', icon: IconSettings, needs: 'data:read' },
];

/** The signed-in frame: navigation, who is signed in, and the page. Sends anyone signed out to the login. */
export function Layout() {
  const { session, loading, signOut } = useSessionState();
  const location = useLocation();
  const [opened, { toggle, close }] = useDisclosure();
  if (loading) return <Loading what="your session" />;
  if (!session) return <Navigate to="/login" replace state={{ from: location.pathname }} />;
  const active = (to: string) => (to === '/' ? location.pathname === '/' : location.pathname.startsWith(to));
  return (
    <AppShell
      header={{ height: 56 }}
      navbar={{ width: 220, breakpoint: 'sm', collapsed: { mobile: !opened } }}
      padding="md"
    >
      <AppShell.Header>
        <Group h="100%" px="md" justify="space-between">
          <Group gap="sm">
            <Burger opened={opened} onClick={toggle} hiddenFrom="sm" size="sm" aria-label="Toggle navigation" />
            <Title order={1} size="h4">
              Recoup
            </Title>
          </Group>
          <Group gap="sm">
            <Text size="sm" c="dimmed" data-testid="signed-in-as">
              {session.user.email} · {session.user.role}
            </Text>
            <Button
              size="xs"
              variant="default"
              leftSection={<IconLogout size={14} aria-hidden />}
              onClick={() => void signOut()}
            >
              Sign out
            </Button>
          </Group>
        </Group>
      </AppShell.Header>
      <AppShell.Navbar p="xs" aria-label="Main">
        {NAV.filter((item) => session.can(item.needs)).map((item) => (
          <NavLink
            key={item.to}
            component={Link}
            to={item.to}
            label={item.label}
            leftSection={<item.icon size={18} aria-hidden />}
            active={active(item.to)}
            variant="filled"
            aria-current={active(item.to) ? 'page' : undefined}
            onClick={close}
          />
        ))}
      </AppShell.Navbar>
      <AppShell.Main>
        <Suspense fallback={<Loading what="the page" />}>
          <Outlet />
        </Suspense>
      </AppShell.Main>
    </AppShell>
  );
}
