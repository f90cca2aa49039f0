import {
  Autocomplete,
  Button,
  Fieldset,
  Group,
  NativeSelect,
  SimpleGrid,
  Stack,
  Text,
  TextInput,
} from '@mantine/core';
import {
  IconArrowDown,
  IconArrowUp,
  IconChevronDown,
  IconChevronRight,
  IconTrash,
} from '@tabler/icons-react';
import { useState } from 'react';
import { ConditionsFields } from './conditions-fields.tsx';
import { type DraftStep, conditionCount } from './draft.ts';
import type { StepField } from './field-errors.ts';
import { describeOffset } from './offset.ts';
import { ACTION_LABELS, CHANNELS, type PolicyAnchor, STEP_ACTIONS, type StepAction } from './types.ts';

interface Props {
  readonly step: DraftStep;
  readonly index: number;
  readonly count: number;
  readonly anchor: PolicyAnchor;
  readonly templates: readonly string[];
  readonly errors: ReadonlyMap<StepField, string> | undefined;
  readonly onChange: (patch: Partial<DraftStep>) => void;
  readonly onMove: (by: -1 | 1) => void;
  readonly onRemove: () => void;
}

/** The DOM id of a step's control, so the editor can move focus to it after a reorder or an add. */
export const controlId = (key: string, control: string) => `policy-step-${key}-${control}`;

// Help under the input rather than above it, so every input of a step's row lines up.
const BELOW: ('label' | 'input' | 'description' | 'error')[] = ['label', 'input', 'description', 'error'];

const OFFSET_HELP = 'ISO 8601: P3D is 3 days after, -P3D 3 days before, PT12H 12 hours, PT0S at once';

/** One step of the draft: what it does, when, on which channel and template, under which conditions. */
export function StepCard({
  step,
  index,
  count,
  anchor,
  templates,
  errors,
  onChange,
  onMove,
  onRemove,
}: Props) {
  const label = `step ${index + 1} (${step.id || 'no id'})`;
  const conditions = conditionCount(step.when);
  const conditionErrors = [...(errors?.keys() ?? [])].some((f) => f.startsWith('when.'));
  const [showConditions, setShowConditions] = useState(conditions > 0);
  const open = showConditions || conditionErrors;
  const id = (control: string) => controlId(step.key, control);
  return (
    <Fieldset
      legend={`Step ${index + 1} · ${step.id || 'no id yet'}`}
      data-testid="policy-step"
      aria-invalid={errors ? true : undefined}
    >
      <Stack gap="sm">
        {errors?.get('') && (
          <Text size="sm" c="red.9">
            {errors.get('')}
          </Text>
        )}
        <SimpleGrid cols={{ base: 1, sm: 2, lg: 5 }}>
          <TextInput
            id={id('id')}
            label="Step id"
            value={step.id}
            error={errors?.get('id')}
            onChange={(e) => onChange({ id: e.currentTarget.value })}
          />
          <TextInput
            id={id('offset')}
            label="Offset"
            description={describeOffset(step.offset, anchor) ?? OFFSET_HELP}
            inputWrapperOrder={BELOW}
            value={step.offset}
            error={errors?.get('offset')}
            onChange={(e) => onChange({ offset: e.currentTarget.value })}
          />
          <NativeSelect
            id={id('action')}
            label="Action"
            data={STEP_ACTIONS.map((a) => ({ value: a, label: ACTION_LABELS[a] }))}
            value={step.action}
            error={errors?.get('action')}
            onChange={(e) => onChange({ action: e.currentTarget.value as StepAction })}
          />
          {step.action === 'remind' && (
            <>
              <NativeSelect
                id={id('channel')}
                label="Channel"
                data={[...CHANNELS]}
                value={step.channel}
                error={errors?.get('channel')}
                onChange={(e) => onChange({ channel: e.currentTarget.value as DraftStep['channel'] })}
              />
              <Autocomplete
                id={id('template')}
                label="Template"
                data={[...templates]}
                value={step.template}
                error={errors?.get('template')}
                onChange={(template) => onChange({ template })}
              />
            </>
          )}
          {step.action === 'escalate' && (
            <TextInput
              id={id('queue')}
              label="Queue"
              description="empty for the default queue"
              inputWrapperOrder={BELOW}
              value={step.queue}
              error={errors?.get('queue')}
              onChange={(e) => onChange({ queue: e.currentTarget.value })}
            />
          )}
          {step.action === 'webhook' && (
            <TextInput
              id={id('url')}
              label="Webhook URL"
              description="http(s) address that is called"
              inputWrapperOrder={BELOW}
              value={step.url}
              error={errors?.get('url')}
              onChange={(e) => onChange({ url: e.currentTarget.value })}
            />
          )}
        </SimpleGrid>
        <Group justify="space-between">
          <Button
            variant="subtle"
            size="xs"
            aria-expanded={open}
            aria-controls={id('conditions')}
            leftSection={
              open ? <IconChevronDown size={14} aria-hidden /> : <IconChevronRight size={14} aria-hidden />
            }
            onClick={() => setShowConditions(!open)}
          >
            Conditions ({conditions === 0 ? 'always runs' : `${conditions} set`})
          </Button>
          <Group gap="xs">
            <Button
              id={id('up')}
              size="xs"
              variant="default"
              leftSection={<IconArrowUp size={14} aria-hidden />}
              aria-label={`Move up ${label}`}
              disabled={index === 0}
              onClick={() => onMove(-1)}
            >
              Move up
            </Button>
            <Button
              id={id('down')}
              size="xs"
              variant="default"
              leftSection={<IconArrowDown size={14} aria-hidden />}
              aria-label={`Move down ${label}`}
              disabled={index === count - 1}
              onClick={() => onMove(1)}
            >
              Move down
            </Button>
            <Button
              size="xs"
              variant="light"
              color="red"
              leftSection={<IconTrash size={14} aria-hidden />}
              aria-label={`Remove ${label}`}
              onClick={onRemove}
            >
              Remove
            </Button>
          </Group>
        </Group>
        <div id={id('conditions')} hidden={!open}>
          {open && (
            <ConditionsFields
              idPrefix={id('when')}
              stepLabel={label}
              when={step.when}
              errors={errors}
              onChange={(when) => onChange({ when })}
            />
          )}
        </div>
      </Stack>
    </Fieldset>
  );
}
