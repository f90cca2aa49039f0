import { Anchor, Text, Title } from '@mantine/core';
import { Link } from 'react-router';

/** An address the dashboard does not know. */
export default function NotFoundPage() {
  return (
    <>
      <Title order={2}>Page not found</Title>
      <Text mt="sm">
        Nothing lives at this address. Go to the{' '}
        <Anchor component={Link} to="/">
          overview
        </Anchor>
        .
      </Text>
    </>
  );
}
