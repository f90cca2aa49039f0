import { Badge, Group, Paper, Stack, Table, Text } from '@mantine/core';
import type { FieldChange, PolicyDiff, StepChange } from './diff.ts';
import { conditionsText, stepTarget } from './step-text.ts';

/** Field | before | after, for one step's or the policy's changed fields. */
function ChangesTable({
  changes,
  caption,
  labels,
}: {
  changes: readonly FieldChange[];
  caption: string;
  labels: [string, string];
}) {
  return (
    <Table withTableBorder verticalSpacing={4} fz="sm">
      <Table.Caption style={{ position: 'absolute', left: -10_000 }}>{caption}</Table.Caption>
      <Table.Thead>
        <Table.Tr>
          <Table.Th scope="col">Field</Table.Th>
          <Table.Th scope="col">{labels[0]}</Table.Th>
          <Table.Th scope="col">{labels[1]}</Table.Th>
        </Table.Tr>
      </Table.Thead>
      <Table.Tbody>
        {changes.map((c) => (
          <Table.Tr key={c.field}>
            <Table.Td ff="monospace">{c.field}</Table.Td>
            <Table.Td c={c.before === null ? 'dimmed' : undefined}>{c.before ?? '(not set)'}</Table.Td>
            <Table.Td c={c.after === null ? 'dimmed' : undefined} fw={600}>
              {c.after ?? '(not set)'}
            </Table.Td>
          </Table.Tr>
        ))}
      </Table.Tbody>
    </Table>
  );
}

// Filled badges in shade 9: the light variants' small text is below AA contrast. Each says its kind in words too.
const BADGE = {
  added: ['Added', 'teal.9'],
  removed: ['Removed', 'red.9'],
  changed: ['Changed', 'blue.9'],
} as const;

/** One added, removed or changed step. */
function StepChangeCard({
  change,
  labels,
}: {
  change: Exclude<StepChange, { kind: 'unchanged' }>;
  labels: [string, string];
}) {
  const [word, color] = BADGE[change.kind];
  return (
    <Paper withBorder p="sm" component="li" style={{ listStyle: 'none' }} data-testid={`diff-${change.kind}`}>
      <Stack gap={6}>
        <Group gap="xs">
          <Badge color={color}>{word}</Badge>
          <Text fw={600} ff="monospace">
            {change.id}
          </Text>
          {change.kind === 'changed' && change.moved && (
            <Text size="sm">
              moved from step {change.from} to step {change.to}
            </Text>
          )}
        </Group>
        {change.kind === 'changed' ? (
          change.fields.length > 0 && (
            <ChangesTable changes={change.fields} caption={`Changes to step ${change.id}`} labels={labels} />
          )
        ) : (
          <Text size="sm">
            {change.kind === 'added' ? 'New' : 'Was'} step {change.position}: {change.step.action} at{' '}
            {change.step.offset}
            {stepTarget(change.step) && ` · ${stepTarget(change.step)}`} · runs{' '}
            {conditionsText(change.step.when)}
          </Text>
        )}
      </Stack>
    </Paper>
  );
}

/** Runs of unchanged steps collapse to one line, so the changes stand out. */
function groupUnchanged(steps: readonly StepChange[]) {
  const out: (Exclude<StepChange, { kind: 'unchanged' }> | { kind: 'same'; ids: string[] })[] = [];
  for (const s of steps) {
    const last = out.at(-1);
    if (s.kind !== 'unchanged') out.push(s);
    else if (last?.kind === 'same') last.ids.push(s.id);
    else out.push({ kind: 'same', ids: [s.id] });
  }
  return out;
}

/** A per-step, per-field difference between two policy documents, labelled with what is compared. */
export function DiffView({ diff, labels }: { diff: PolicyDiff; labels: [string, string] }) {
  if (diff.identical) {
    return (
      <Text size="sm">
        No differences: {labels[0]} and {labels[1]} have the same settings and steps.
      </Text>
    );
  }
  const counts = { added: 0, removed: 0, changed: 0, unchanged: 0 };
  for (const s of diff.steps) counts[s.kind] += 1;
  return (
    <Stack gap="sm">
      <Text size="sm" data-testid="diff-summary">
        Steps: {counts.added} added, {counts.removed} removed, {counts.changed} changed, {counts.unchanged}{' '}
        unchanged
        {diff.policy.length > 0 && `; ${diff.policy.length} policy settings changed`}.
      </Text>
      {diff.policy.length > 0 && (
        <ChangesTable changes={diff.policy} caption="Changes to the policy's settings" labels={labels} />
      )}
      <Stack gap="xs" component="ul" p={0} m={0} aria-label="Step changes">
        {groupUnchanged(diff.steps).map((s) =>
          s.kind === 'same' ? (
            <Text component="li" key={`same-${s.ids[0]}`} size="sm" c="dimmed" style={{ listStyle: 'none' }}>
              Unchanged: {s.ids.join(', ')}
            </Text>
          ) : (
            <StepChangeCard key={`${s.kind}-${s.id}`} change={s} labels={labels} />
          ),
        )}
      </Stack>
    </Stack>
  );
}
