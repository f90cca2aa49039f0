import { Alert, Button, Group, Modal, NativeSelect, Stack, TextInput, Textarea } from '@mantine/core';
import { notifications } from '@mantine/notifications';
import { type FormEvent, useState } from 'react';
import { ApiProblem } from '../../api/client.ts';

/** One field an action asks for (text, or a choice); `field` is the API's name for it, so its errors land beside it. */
export interface ActionField {
  readonly field: string;
  readonly label: string;
  readonly required?: boolean;
  readonly multiline?: boolean;
  readonly description?: string;
  readonly initial?: string;
  /** A choice among these values rather than free text. */
  readonly options?: readonly { readonly value: string; readonly label: string }[];
}

interface ActionModalProps {
  readonly title: string;
  readonly submitLabel: string;
  readonly fields: readonly ActionField[];
  readonly danger?: boolean;
  readonly onClose: () => void;
  /** Performs the action; a thrown `ApiProblem` shows its field errors in the form. */
  readonly onSubmit: (values: Record<string, string>) => Promise<unknown>;
  readonly done: string;
}

/** A confirm-with-details dialog for a case action, showing the API's field errors next to the fields. */
export function ActionModal(props: ActionModalProps) {
  const [values, setValues] = useState<Record<string, string>>(() =>
    Object.fromEntries(props.fields.map((f) => [f.field, f.initial ?? ''])),
  );
  const [problem, setProblem] = useState<ApiProblem | Error | null>(null);
  const [busy, setBusy] = useState(false);
  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setBusy(true);
    setProblem(null);
    try {
      await props.onSubmit(values);
      notifications.show({ color: 'teal', message: props.done });
      props.onClose();
    } catch (error) {
      setProblem(error as Error);
    } finally {
      setBusy(false);
    }
  };
  const errorFor = (field: string) =>
    problem instanceof ApiProblem ? problem.reasonFor(`body.${field}`) : undefined;
  const unplaced =
    problem && !(problem instanceof ApiProblem && props.fields.some((f) => errorFor(f.field))) ? problem : null;
  return (
    <Modal opened onClose={props.onClose} title={props.title} centered>
      <form onSubmit={submit}>
        <Stack>
          {unplaced && (
            <Alert color="red" role="alert">
              {unplaced.message}
            </Alert>
          )}
          {props.fields.map((f, i) => {
            const common = {
              // The dialog's first field takes the focus, so typing goes straight into it.
              'data-autofocus': i === 0 ? true : undefined,
              label: f.label,
              required: f.required,
              description: f.description,
              error: errorFor(f.field),
              value: values[f.field] ?? '',
              onChange: (e: { currentTarget: { value: string } }) =>
                setValues({ ...values, [f.field]: e.currentTarget.value }),
            };
            if (f.options) return <NativeSelect key={f.field} {...common} data={[...f.options]} />;
            return f.multiline ? (
              <Textarea key={f.field} {...common} autosize minRows={3} />
            ) : (
              <TextInput key={f.field} {...common} />
            );
          })}
          <Group justify="flex-end">
            <Button variant="default" onClick={props.onClose}>
              Back
            </Button>
            <Button type="submit" color={props.danger ? 'red' : undefined} loading={busy}>
              {props.submitLabel}
            </Button>
          </Group>
        </Stack>
      </form>
    </Modal>
  );
}
