import { Title } from '@mantine/core';

/** Forecast */
export default function ForecastPage() {
  return <Title order={2}>Forecast</Title>;
}
