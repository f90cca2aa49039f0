import { Alert, Button, type ButtonProps, Group, Modal, type ModalProps, Stack } from '@mantine/core';
import { useDisclosure } from '@mantine/hooks';
import { type QueryKey, useMutation, useQueryClient } from '@tanstack/react-query';
import { type ChangeEvent, type FormEvent, type ReactNode, useState } from 'react';
import { fieldError, formError } from './field-errors.ts';

/** The draft's fields that hold text (selects included). */
type TextField<D> = { [K in keyof D]: D[K] extends string ? K : never }[keyof D] & string;

interface ApiFormOptions<D, R> {
  /** The draft a fresh dialog starts from, and returns to whenever it closes. */
  readonly initial: D;
  /** The body fields the API may name in a problem+json; a failure naming none of them shows above the form. */
  readonly fields: readonly string[];
  /** The API call, given the draft as it stands when submitted. */
  readonly send: (draft: D) => Promise<R>;
  /** The list that the call changes, reloaded after a success. */
  readonly invalidates?: QueryKey;
  /** Runs after a success; a dialog with nothing to show afterwards closes itself here. */
  readonly onSuccess?: (reply: R, close: () => void) => void;
}

/** A dialog form's state: open or not, its draft and the API call that submits it, all forgotten on close. */
export function useApiForm<D extends object, R>({
  initial,
  fields,
  send,
  invalidates,
  onSuccess,
}: ApiFormOptions<D, R>) {
  const client = useQueryClient();
  const [opened, { open, close }] = useDisclosure(false);
  const [draft, setDraft] = useState(initial);
  const mutation = useMutation({
    mutationFn: () => send(draft),
    onSuccess: (reply) => {
      if (invalidates) void client.invalidateQueries({ queryKey: invalidates });
      onSuccess?.(reply, reset);
    },
  });
  const set = <K extends keyof D>(field: K, value: D[K]) => setDraft((d) => ({ ...d, [field]: value }));
  // Closing forgets the reply too: for a one-time secret it is the only copy the browser holds.
  const reset = () => {
    close();
    mutation.reset();
    setDraft(initial);
  };
  return {
    opened,
    open,
    reset,
    draft,
    set,
    submit: (event: FormEvent) => {
      event.preventDefault();
      mutation.mutate();
    },
    mutation,
    fieldError: (field: string) => fieldError(mutation.error, field),
    /** Binds a text input or select to the draft field of the same name as the API's body field. */
    inputProps: <K extends TextField<D>>(field: K) => ({
      value: draft[field] as string,
      onChange: (e: ChangeEvent<HTMLInputElement | HTMLSelectElement>) =>
        set(field, e.currentTarget.value as D[K]),
      error: fieldError(mutation.error, field),
    }),
    general: formError(mutation.error, fields),
  };
}

/** A form's Cancel and submit buttons, right-aligned. */
export function FormFooter(props: { onCancel: () => void; pending: boolean; children: ReactNode }) {
  return (
    <Group justify="flex-end">
      <Button variant="default" onClick={props.onCancel}>
        Cancel
      </Button>
      <Button type="submit" loading={props.pending}>
        {props.children}
      </Button>
    </Group>
  );
}

interface FormDialogProps<R> {
  /** What `useApiForm` returned. */
  readonly form: {
    readonly opened: boolean;
    readonly open: () => void;
    readonly reset: () => void;
    readonly submit: (event: FormEvent) => void;
    readonly general: string | undefined;
    readonly mutation: { readonly data: R | undefined; readonly isPending: boolean };
  };
  /** The button that opens the dialog: its words as children, plus any look or accessible name. */
  readonly trigger: ButtonProps & { readonly 'aria-label'?: string };
  readonly title: string;
  readonly size?: ModalProps['size'];
  /** Words above the fields. */
  readonly intro?: ReactNode;
  /** The fields. */
  readonly children: ReactNode;
  readonly submitLabel: string;
  /** What replaces the form once the call succeeds, e.g. a one-time secret; a Done button follows it. */
  readonly created?: (reply: R) => ReactNode;
}

/** A button that opens a `useApiForm` in a dialog: the API's general error above the fields, Cancel and submit. */
export function FormDialog<R>({ form, ...props }: FormDialogProps<R>) {
  return (
    <>
      <Button {...props.trigger} onClick={form.open} />
      <Modal opened={form.opened} onClose={form.reset} title={props.title} size={props.size}>
        {props.created && form.mutation.data ? (
          <Stack>
            {props.created(form.mutation.data)}
            <Group justify="flex-end">
              <Button onClick={form.reset}>Done</Button>
            </Group>
          </Stack>
        ) : (
          <form onSubmit={form.submit}>
            <Stack>
              {props.intro}
              {form.general && (
                <Alert color="red" role="alert">
                  {form.general}
                </Alert>
              )}
              {props.children}
              <FormFooter onCancel={form.reset} pending={form.mutation.isPending}>
                {props.submitLabel}
              </FormFooter>
            </Stack>
          </form>
        )}
      </Modal>
    </>
  );
}
