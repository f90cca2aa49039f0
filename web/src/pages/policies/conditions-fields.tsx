import { Checkbox, Group, NumberInput, SimpleGrid, Stack } from '@mantine/core';
import { CustomerAttributes } from './customer-attributes.tsx';
import type { DraftConditions } from './draft.ts';
import type { StepField } from './field-errors.ts';
import { minorUnits } from './step-text.ts';
import { DECLINE_CLASSES } from './types.ts';

interface Props {
  readonly idPrefix: string;
  readonly stepLabel: string;
  readonly when: DraftConditions;
  readonly errors: ReadonlyMap<StepField, string> | undefined;
  readonly onChange: (when: DraftConditions) => void;
}

// NumberInput answers a number, or text while the field is empty or half-typed; the draft keeps '' for "not set".
const count = (v: number | string): number | '' => {
  const n = typeof v === 'number' ? v : v.trim() === '' ? Number.NaN : Number(v);
  return Number.isFinite(n) ? n : '';
};

const CLASS_LABELS = {
  soft: 'Soft (retry later)',
  hard: 'Hard (never retry the method)',
  action_required: 'Customer must act',
};

/** The conditions a step runs under; each one set must hold, otherwise the step is skipped and says why. */
export function ConditionsFields({ idPrefix, stepLabel, when, errors, onChange }: Props) {
  const set = (patch: Partial<DraftConditions>) => onChange({ ...when, ...patch });
  const amountHelp = (v: number | '') =>
    v === '' ? 'minor units of the case’s currency; empty for any amount' : `= ${minorUnits(v)}`;
  return (
    <Stack gap="sm">
      <SimpleGrid cols={{ base: 1, sm: 2, lg: 4 }}>
        <NumberInput
          id={`${idPrefix}-amountAtLeast`}
          label="Owed at least"
          description={amountHelp(when.amountAtLeast)}
          min={0}
          allowDecimal={false}
          allowNegative={false}
          value={when.amountAtLeast}
          error={errors?.get('when.amountAtLeast')}
          onChange={(v) => set({ amountAtLeast: count(v) })}
        />
        <NumberInput
          id={`${idPrefix}-amountBelow`}
          label="Owed below"
          description={amountHelp(when.amountBelow)}
          min={1}
          allowDecimal={false}
          allowNegative={false}
          value={when.amountBelow}
          error={errors?.get('when.amountBelow')}
          onChange={(v) => set({ amountBelow: count(v) })}
        />
        <NumberInput
          id={`${idPrefix}-attemptsAtLeast`}
          label="Payment attempts at least"
          description="attempts so far in the case"
          min={0}
          allowDecimal={false}
          allowNegative={false}
          value={when.attemptsAtLeast}
          error={errors?.get('when.attemptsAtLeast')}
          onChange={(v) => set({ attemptsAtLeast: count(v) })}
        />
        <NumberInput
          id={`${idPrefix}-attemptsBelow`}
          label="Payment attempts below"
          description="attempts so far in the case"
          min={1}
          allowDecimal={false}
          allowNegative={false}
          value={when.attemptsBelow}
          error={errors?.get('when.attemptsBelow')}
          onChange={(v) => set({ attemptsBelow: count(v) })}
        />
      </SimpleGrid>
      <Checkbox.Group
        label="Last decline class is one of"
        description="none ticked: any decline, or none"
        value={[...when.declineClass]}
        error={errors?.get('when.declineClass')}
        onChange={(v) => set({ declineClass: DECLINE_CLASSES.filter((c) => v.includes(c)) })}
      >
        <Group mt={6}>
          {DECLINE_CLASSES.map((c) => (
            <Checkbox key={c} value={c} label={CLASS_LABELS[c]} />
          ))}
        </Group>
      </Checkbox.Group>
      <CustomerAttributes
        stepLabel={stepLabel}
        rows={when.customer}
        error={errors?.get('when.customer')}
        onChange={(customer) => set({ customer })}
      />
    </Stack>
  );
}
