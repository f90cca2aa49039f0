import { Title } from '@mantine/core';

/** What works */
export default function WhatWorksPage() {
  return <Title order={2}>What works</Title>;
}
