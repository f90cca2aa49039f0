import { Title } from '@mantine/core';

/** Cases */
export default function CasesPage() {
  return <Title order={2}>Cases</Title>;
}
