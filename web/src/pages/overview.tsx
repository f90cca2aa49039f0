import { Title } from '@mantine/core';

/** Overview */
export function OverviewPage() {
  return <Title order={2}>Overview</Title>;
}
