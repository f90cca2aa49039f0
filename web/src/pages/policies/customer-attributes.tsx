import { Button, Fieldset, Group, Stack, Text, TextInput } from '@mantine/core';
import { IconPlus, IconTrash } from '@tabler/icons-react';
import { type DraftAttribute, newKey } from './draft.ts';

interface Props {
  readonly stepLabel: string;
  readonly rows: readonly DraftAttribute[];
  readonly error: string | undefined;
  readonly onChange: (rows: DraftAttribute[]) => void;
}

/** Customer-attribute conditions (`plan = pro`): the step runs only for customers whose attributes match. */
export function CustomerAttributes({ stepLabel, rows, error, onChange }: Props) {
  const set = (key: string, patch: Partial<DraftAttribute>) =>
    onChange(rows.map((r) => (r.key === key ? { ...r, ...patch } : r)));
  return (
    <Fieldset legend="Customer attributes" variant="unstyled" aria-invalid={error ? true : undefined}>
      <Stack gap="xs">
        {rows.length === 0 && <Text size="sm">Any customer.</Text>}
        {rows.map((row, i) => (
          <Group key={row.key} align="flex-end" gap="xs">
            <TextInput
              label={`Attribute ${i + 1}`}
              placeholder="plan"
              value={row.name}
              onChange={(e) => set(row.key, { name: e.currentTarget.value })}
            />
            <TextInput
              label={`equals`}
              description="true, false and numbers are read as such"
              placeholder="pro"
              value={row.value}
              onChange={(e) => set(row.key, { value: e.currentTarget.value })}
            />
            <Button
              variant="subtle"
              color="red"
              leftSection={<IconTrash size={14} aria-hidden />}
              aria-label={`Remove attribute ${i + 1} of ${stepLabel}`}
              onClick={() => onChange(rows.filter((r) => r.key !== row.key))}
            >
              Remove
            </Button>
          </Group>
        ))}
        {error && (
          <Text size="sm" c="red.9">
            {error}
          </Text>
        )}
        <Group>
          <Button
            size="xs"
            variant="default"
            leftSection={<IconPlus size={14} aria-hidden />}
            onClick={() => onChange([...rows, { key: newKey(), name: '', value: '' }])}
          >
            Add customer condition
          </Button>
        </Group>
      </Stack>
    </Fieldset>
  );
}
