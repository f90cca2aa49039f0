import { Title } from '@mantine/core';

/** Settings */
export default function SettingsPage() {
  return <Title order={2}>Settings</Title>;
}
