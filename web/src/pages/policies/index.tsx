import { Title } from '@mantine/core';

/** Policies */
export default function PoliciesPage() {
  return <Title order={2}>Policies</Title>;
}
