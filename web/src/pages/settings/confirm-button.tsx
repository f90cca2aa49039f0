import { Alert, Button, type ButtonProps, Group, Modal, Text } from '@mantine/core';
import { useDisclosure } from '@mantine/hooks';
import { type ReactNode, useState } from 'react';

interface ConfirmButtonProps extends Pick<ButtonProps, 'size' | 'variant' | 'color' | 'leftSection'> {
  /** The button's words, e.g. "Revoke". */
  readonly children: ReactNode;
  /** An accessible name when the button's words alone are ambiguous in a table, e.g. "Revoke key ci-deploy". */
  readonly 'aria-label'?: string;
  readonly title: string;
  /** What will happen, so nobody confirms blind. */
  readonly message: ReactNode;
  readonly confirmLabel: string;
  readonly onConfirm: () => Promise<unknown>;
}

/** A button for something hard to undo: it asks first, in a dialog that says what will happen. */
export function ConfirmButton(props: ConfirmButtonProps) {
  const [opened, { open, close }] = useDisclosure(false);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const confirm = async () => {
    setBusy(true);
    setError(null);
    try {
      await props.onConfirm();
      close();
    } catch (e) {
      setError((e as Error).message);
    } finally {
      setBusy(false);
    }
  };
  return (
    <>
      <Button
        size={props.size ?? 'xs'}
        variant={props.variant ?? 'light'}
        color={props.color ?? 'red'}
        leftSection={props.leftSection}
        aria-label={props['aria-label']}
        onClick={open}
      >
        {props.children}
      </Button>
      <Modal opened={opened} onClose={close} title={props.title}>
        <Text size="sm">{props.message}</Text>
        {error && (
          <Alert color="red" role="alert" mt="sm">
            {error}
          </Alert>
        )}
        <Group justify="flex-end" mt="md">
          <Button variant="default" onClick={close}>
            Cancel
          </Button>
          <Button color={props.color ?? 'red'} loading={busy} onClick={() => void confirm()}>
            {props.confirmLabel}
          </Button>
        </Group>
      </Modal>
    </>
  );
}
