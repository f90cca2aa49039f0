import { Code, Stack, Text, TextInput, Textarea } from '@mantine/core';
import { PART_LABELS, type Part, type Parts } from './types.ts';

const MONO = { input: { fontFamily: 'var(--mantine-font-family-monospace)', fontSize: 13 } };

interface SourceEditorProps {
  readonly locale: string;
  readonly value: Parts;
  readonly onChange: (next: Parts) => void;
  /** The part the last render failed on and why, shown under that field. */
  readonly problem: { part: Part | null; message: string } | null;
}

/** The Liquid text of one locale: subject, plain-text body and HTML body, in a monospace font. */
export function SourceEditor({ locale, value, onChange, problem }: SourceEditorProps) {
  const errorFor = (part: Part) => (problem?.part === part ? problem.message : undefined);
  const set = (part: Part, text: string) => onChange({ ...value, [part]: text });
  return (
    <Stack gap="sm">
      <TextInput
        label={`${PART_LABELS.subject} (${locale})`}
        styles={MONO}
        spellCheck={false}
        value={value.subject}
        onChange={(e) => set('subject', e.currentTarget.value)}
        error={errorFor('subject')}
      />
      <Textarea
        label={`${PART_LABELS.text} (${locale})`}
        styles={MONO}
        spellCheck={false}
        autosize
        minRows={8}
        maxRows={18}
        value={value.text}
        onChange={(e) => set('text', e.currentTarget.value)}
        error={errorFor('text')}
      />
      <Textarea
        label={`${PART_LABELS.html} (${locale})`}
        styles={MONO}
        spellCheck={false}
        autosize
        minRows={8}
        maxRows={18}
        value={value.html}
        onChange={(e) => set('html', e.currentTarget.value)}
        error={errorFor('html')}
      />
      <Text size="xs" c="dimmed">
        LiquidJS. Data: <Code>customer.name</Code>, <Code>amountDue | money</Code>, <Code>invoices</Code>,{' '}
        <Code>daysOverdue</Code>, <Code>declineClass</Code>, <Code>payLink</Code>,{' '}
        <Code>updatePaymentLink</Code>, <Code>unsubscribeLink</Code>, <Code>business.name</Code>,{' '}
        <Code>business.supportEmail</Code>; dates with <Code>| localdate</Code>.
      </Text>
    </Stack>
  );
}
