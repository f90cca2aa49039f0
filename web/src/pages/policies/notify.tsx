import { Text } from '@mantine/core';
import { notifications } from '@mantine/notifications';

/**
 * Shows a success notification. Notifications render outside the policies pages, where Mantine gives the message
 * under a title gray-6 (3.3:1 on white); the message carries its own readable colour.
 */
export function notifySuccess(title: string, message: string): void {
  notifications.show({
    color: 'teal',
    title,
    message: (
      <Text size="sm" c="gray.8">
        {message}
      </Text>
    ),
  });
}
