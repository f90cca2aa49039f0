import { Title } from '@mantine/core';

/** Case */
export default function CasePage() {
  return <Title order={2}>Case</Title>;
}
