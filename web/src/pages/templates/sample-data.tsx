import { NativeSelect, NumberInput, Paper, SimpleGrid, Text, TextInput, Title } from '@mantine/core';
import { ApiProblem } from '../../api/client.ts';
import { minorDigits } from '../../format/money.ts';
import type { PreviewBody } from './types.ts';

/** The sample a preview renders with, as typed; empty fields take the server's defaults. */
export interface SampleData {
  readonly customerName: string;
  readonly amountDue: number | string;
  readonly currency: string;
  readonly declineClass: '' | 'soft' | 'hard' | 'action_required' | 'none';
  readonly daysOverdue: number | string;
}

export const EMPTY_SAMPLE: SampleData = {
  customerName: '',
  amountDue: '',
  currency: '',
  declineClass: '',
  daysOverdue: '',
};

function digitsOf(currency: string): number {
  try {
    return minorDigits(currency);
  } catch {
    // An unfinished currency code: the server names the field, so any number of digits does for now.
    return 2;
  }
}

/** The preview endpoint's `data` for what was typed, or undefined when nothing was, so defaults apply. */
export function sampleToBody(sample: SampleData): PreviewBody['data'] {
  const data: NonNullable<PreviewBody['data']> = {};
  const currency = sample.currency.trim().toUpperCase();
  if (sample.customerName.trim()) data.customer_name = sample.customerName.trim();
  if (currency) data.currency = currency;
  if (typeof sample.amountDue === 'number') {
    data.amount_due = Math.round(sample.amountDue * 10 ** digitsOf(currency || 'EUR'));
  }
  if (sample.declineClass) data.decline_class = sample.declineClass === 'none' ? null : sample.declineClass;
  if (typeof sample.daysOverdue === 'number') data.days_overdue = sample.daysOverdue;
  return Object.keys(data).length > 0 ? data : undefined;
}

interface SampleFormProps {
  readonly value: SampleData;
  readonly onChange: (next: SampleData) => void;
  readonly error: unknown;
}

/** The customer and debt a preview pretends to write to; every field is optional. */
export function SampleDataForm({ value, onChange, error }: SampleFormProps) {
  const set = <K extends keyof SampleData>(key: K, next: SampleData[K]) =>
    onChange({ ...value, [key]: next });
  const reason = (field: string) =>
    error instanceof ApiProblem ? error.reasonFor(`body.data.${field}`) : undefined;
  return (
    <Paper withBorder p="md" component="section" aria-labelledby="sample-data-title">
      <Title order={3} size="h5" id="sample-data-title">
        Sample data
      </Title>
      <Text size="xs" c="dimmed" mb="xs">
        Leave a field empty to use the default shown in it.
      </Text>
      <SimpleGrid cols={{ base: 1, sm: 2, lg: 3 }} spacing="xs">
        <TextInput
          label="Customer name"
          placeholder="Ada Lovelace"
          value={value.customerName}
          onChange={(e) => set('customerName', e.currentTarget.value)}
          error={reason('customer_name')}
        />
        <NumberInput
          label="Amount due"
          placeholder="49.00"
          min={0}
          decimalScale={digitsOf(value.currency.trim().toUpperCase() || 'EUR')}
          value={value.amountDue}
          onChange={(next) => set('amountDue', next)}
          error={reason('amount_due')}
        />
        <TextInput
          label="Currency"
          placeholder="EUR"
          maxLength={3}
          value={value.currency}
          onChange={(e) => set('currency', e.currentTarget.value)}
          error={reason('currency')}
        />
        <NativeSelect
          label="Decline class"
          value={value.declineClass}
          onChange={(e) => set('declineClass', e.currentTarget.value as SampleData['declineClass'])}
          data={[
            { value: '', label: 'Default (soft)' },
            { value: 'soft', label: 'soft: retry later' },
            { value: 'hard', label: 'hard: never retry this method' },
            { value: 'action_required', label: 'action_required: customer must act' },
            { value: 'none', label: 'none: an unpaid invoice' },
          ]}
          error={reason('decline_class')}
        />
        <NumberInput
          label="Days overdue"
          placeholder="3"
          min={0}
          max={10_000}
          allowDecimal={false}
          value={value.daysOverdue}
          onChange={(next) => set('daysOverdue', next)}
          error={reason('days_overdue')}
        />
      </SimpleGrid>
    </Paper>
  );
}
