import { Button, Group, Modal, Stack, Text } from '@mantine/core';
import { useDisclosure } from '@mantine/hooks';
import { IconArrowBackUp } from '@tabler/icons-react';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { api, unwrap } from '../../api/client.ts';
import { notifySuccess } from '../policies/notify.tsx';
import { refreshTemplate } from './queries.ts';

interface ResetButtonProps {
  readonly name: string;
  readonly locale: string;
  /** Whether Recoup ships a file for this locale; without one, a reset removes the locale. */
  readonly shippedFile: boolean;
  /** Called once the reset is stored, to drop any unsaved edits of the locale. */
  readonly onReset: () => void;
}

/** Goes back to the shipped file of one locale (or removes a locale Recoup does not ship), once confirmed. */
export function ResetButton({ name, locale, shippedFile, onReset }: ResetButtonProps) {
  const [opened, { open, close }] = useDisclosure(false);
  const client = useQueryClient();
  const label = shippedFile ? 'Reset to shipped' : `Remove ${locale}`;
  const reset = useMutation({
    mutationFn: () =>
      unwrap(api.POST('/v1/templates/{name}/locales/{locale}/reset', { params: { path: { name, locale } } })),
    onSuccess: async (result) => {
      await refreshTemplate(client, name);
      onReset();
      close();
      notifySuccess(
        result.state === 'shipped'
          ? `${name} (${locale}) is the shipped file again`
          : `${name} (${locale}) removed`,
        'Reminders use it from the engine’s next batch; the history keeps every saved version.',
      );
    },
  });
  return (
    <>
      <Button variant="default" leftSection={<IconArrowBackUp size={14} aria-hidden />} onClick={open}>
        {label}
      </Button>
      <Modal
        opened={opened}
        onClose={close}
        title={shippedFile ? `Reset ${name} (${locale}) to the shipped file?` : `Remove ${name} (${locale})?`}
      >
        <Stack>
          <Text size="sm">
            {shippedFile
              ? `Reminders in ${locale} go back to the text Recoup ships.`
              : `Recoup ships no ${locale} text for this template, so customers asking for ${locale} get the locale it falls back to.`}{' '}
            The saved versions stay in the history, and any unsaved edits in {locale} are discarded.
          </Text>
          {reset.isError && (
            <Text size="sm" c="red.9" role="alert">
              {reset.error.message}
            </Text>
          )}
          <Group justify="flex-end">
            <Button variant="default" onClick={close} data-autofocus>
              Keep the saved version
            </Button>
            <Button color="red" loading={reset.isPending} onClick={() => reset.mutate()}>
              {label}
            </Button>
          </Group>
        </Stack>
      </Modal>
    </>
  );
}
