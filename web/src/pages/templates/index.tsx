import { Title } from '@mantine/core';

/** Templates */
export default function TemplatesPage() {
  return <Title order={2}>Templates</Title>;
}
