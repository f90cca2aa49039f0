import { Alert, Group, List, Loader, Text } from '@mantine/core';
import { IconAlertTriangle, IconCircleCheck } from '@tabler/icons-react';
import { describePath } from './field-errors.ts';
import type { Validation } from './use-validation.ts';

/** The server's verdict on the draft in a live region, and every error in a list naming its step and field. */
export function ValidationStatus({
  validation,
  stepIds,
}: {
  validation: Validation;
  stepIds: readonly string[];
}) {
  const { checking, valid, list, failure } = validation;
  const status = failure
    ? 'The draft could not be checked: the server did not answer. Your edits are kept; keep typing to try again.'
    : checking
      ? 'Checking the draft…'
      : valid
        ? 'The draft is valid.'
        : `${list.length} ${list.length === 1 ? 'problem' : 'problems'}: fix the highlighted fields.`;
  return (
    <>
      <Group gap="xs" role="status" aria-live="polite" data-testid="validation-status">
        {checking && !failure ? (
          <Loader size="xs" />
        ) : valid ? (
          <IconCircleCheck size={18} color="var(--mantine-color-teal-8)" aria-hidden />
        ) : (
          <IconAlertTriangle size={18} color="var(--mantine-color-red-8)" aria-hidden />
        )}
        <Text size="sm">{status}</Text>
      </Group>
      {list.length > 0 && (
        <Alert
          color="red"
          variant="light"
          title="This draft cannot be saved yet"
          data-testid="validation-errors"
        >
          <List size="sm">
            {list.map((e) => (
              <List.Item key={`${e.path}: ${e.reason}`}>
                <strong>{describePath(e.path, stepIds)}</strong>: {e.reason}
              </List.Item>
            ))}
          </List>
        </Alert>
      )}
    </>
  );
}
