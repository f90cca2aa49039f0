import {
  Alert,
  Button,
  Checkbox,
  Group,
  List,
  Modal,
  NumberInput,
  SimpleGrid,
  Stack,
  Text,
  TextInput,
} from '@mantine/core';
import { IconClockEdit } from '@tabler/icons-react';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { type FormEvent, useState } from 'react';
import { api, unwrap } from '../../api/client.ts';
import {
  type HoursDraft,
  type PolicyVersion,
  WEEKDAYS,
  hoursFieldError,
  otherErrors,
  toHoursDraft,
  withHours,
} from './contact-hours-form.ts';
import { FormFooter } from './form-dialog.tsx';

/** The button that opens the contact-hours editor for one policy. */
export function EditContactHoursButton({ policy, onEdit }: { policy: PolicyVersion; onEdit: () => void }) {
  return (
    <Button
      size="xs"
      variant="default"
      leftSection={<IconClockEdit size={14} aria-hidden />}
      aria-label={`Edit contact hours of ${policy.name}`}
      onClick={onEdit}
    >
      Edit
    </Button>
  );
}

/**
 * The contact-hours editor of one policy: start and end time, the weekdays and the message cap. Saving applies a
 * new version of the policy through the policy API; cases already running keep the version they started on. It
 * lives outside the table, which reloads (and replaces its rows) when the new version arrives.
 */
export function EditContactHours({
  policy,
  opened,
  onClose,
}: {
  policy: PolicyVersion;
  opened: boolean;
  onClose: () => void;
}) {
  const client = useQueryClient();
  const [draft, setDraft] = useState<HoursDraft>(() => toHoursDraft(policy.document));
  const apply = useMutation({
    mutationFn: () =>
      unwrap(
        api.POST('/v1/policies', {
          body: { source: JSON.stringify(withHours(policy.document, draft), null, 2), format: 'json' },
        }),
      ),
    onSuccess: () => void client.invalidateQueries({ queryKey: ['policies'] }),
  });
  const set = <K extends keyof HoursDraft>(field: K, value: HoursDraft[K]) =>
    setDraft((d) => ({ ...d, [field]: value }));
  const submit = (event: FormEvent) => {
    event.preventDefault();
    apply.mutate();
  };
  const fieldError = (field: keyof HoursDraft) => hoursFieldError(apply.error, field);
  const others = otherErrors(apply.error);
  const number = (v: string | number): number | '' => (typeof v === 'number' ? v : v === '' ? '' : Number(v));
  const close = onClose;
  return (
    <>
      <Modal opened={opened} onClose={close} title={`Contact hours of ${policy.name}`} size="lg">
        {apply.data ? (
          <Stack>
            <Alert color="teal" role="status" title={`Saved as ${apply.data.name} v${apply.data.version}`}>
              New cases start on v{apply.data.version} with these hours. Cases already running keep the
              version they started on (v{policy.version} or older), so their hours do not change.
            </Alert>
            <Group justify="flex-end">
              <Button onClick={close} data-autofocus>
                Done
              </Button>
            </Group>
          </Stack>
        ) : (
          <form onSubmit={submit} noValidate>
            <Stack>
              <Text size="sm">
                {`When customers on ${policy.name} may be contacted, in each customer’s own time zone, and how ` +
                  `many messages one customer may get. Saving applies a new version of the policy (it is at ` +
                  `v${policy.version} now); cases already running keep theirs.`}
              </Text>
              {others.length > 0 && (
                <Alert color="red" role="alert" title="Not saved">
                  <List size="sm">
                    {others.map((e) => (
                      <List.Item key={e}>{e}</List.Item>
                    ))}
                  </List>
                </Alert>
              )}
              <SimpleGrid cols={2}>
                <TextInput
                  label="From"
                  description="Earliest contact, customer’s time"
                  type="time"
                  required
                  data-autofocus
                  value={draft.start}
                  onChange={(e) => set('start', e.currentTarget.value)}
                  error={fieldError('start')}
                />
                <TextInput
                  label="Until"
                  description="Latest contact, customer’s time"
                  type="time"
                  required
                  value={draft.end}
                  onChange={(e) => set('end', e.currentTarget.value)}
                  error={fieldError('end')}
                />
              </SimpleGrid>
              <Checkbox.Group
                label="Days"
                description="Days on which customers may be contacted"
                value={draft.weekdays.map(String)}
                onChange={(values) => set('weekdays', values.map(Number))}
                error={fieldError('weekdays')}
              >
                <Group gap="md" mt={6}>
                  {WEEKDAYS.map((d) => (
                    <Checkbox key={d.value} value={String(d.value)} label={d.short} />
                  ))}
                </Group>
              </Checkbox.Group>
              <SimpleGrid cols={2}>
                <NumberInput
                  label="Messages at most"
                  description="Per customer, across every channel"
                  required
                  min={1}
                  allowDecimal={false}
                  allowNegative={false}
                  value={draft.maxMessages}
                  onChange={(v) => set('maxMessages', number(v))}
                  error={fieldError('maxMessages')}
                />
                <NumberInput
                  label="In how many days"
                  description="The period the cap counts over"
                  required
                  min={1}
                  max={365}
                  allowDecimal={false}
                  allowNegative={false}
                  value={draft.periodDays}
                  onChange={(v) => set('periodDays', number(v))}
                  error={fieldError('periodDays')}
                />
              </SimpleGrid>
              <FormFooter onCancel={close} pending={apply.isPending}>
                Save as new version
              </FormFooter>
            </Stack>
          </form>
        )}
      </Modal>
    </>
  );
}
