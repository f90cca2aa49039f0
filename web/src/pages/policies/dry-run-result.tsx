import { Badge, List, Stack, Table, Text, Title } from '@mantine/core';
import type { DryRun } from './types.ts';

function timeIn(iso: string, timeZone: string): string {
  try {
    return new Intl.DateTimeFormat(undefined, { timeStyle: 'short', timeZone }).format(new Date(iso));
  } catch {
    return iso;
  }
}

/** What a dry run says would happen, one table per day in the customer's time zone. */
export function DryRunResult({ result }: { result: DryRun }) {
  return (
    <Stack gap="sm" data-testid="dry-run-result">
      {result.days.length === 0 ? (
        <Text size="sm">
          Nothing would happen to this case from now on: every step is behind it, or it is closed.
        </Text>
      ) : (
        result.days.map((day) => (
          <Stack key={day.date} gap={4}>
            <Title order={4} size="h5">
              {new Intl.DateTimeFormat(undefined, { dateStyle: 'full', timeZone: 'UTC' }).format(
                new Date(day.date),
              )}
            </Title>
            <Table withTableBorder verticalSpacing={4} fz="sm" layout="fixed">
              <Table.Caption style={{ position: 'absolute', left: -10_000 }}>
                What would happen on {day.date}
              </Table.Caption>
              <Table.Thead>
                <Table.Tr>
                  <Table.Th scope="col" w="16%">
                    Time ({result.time_zone})
                  </Table.Th>
                  <Table.Th scope="col" w="14%">
                    Step
                  </Table.Th>
                  <Table.Th scope="col" w="24%">
                    Action
                  </Table.Th>
                  <Table.Th scope="col" w="8%">
                    Would
                  </Table.Th>
                  <Table.Th scope="col">Why</Table.Th>
                </Table.Tr>
              </Table.Thead>
              <Table.Tbody>
                {day.steps.map((s) => (
                  <Table.Tr key={`${s.step_id}-${s.at}`}>
                    <Table.Td>{timeIn(s.at, result.time_zone)}</Table.Td>
                    <Table.Td ff="monospace">{s.step_id}</Table.Td>
                    <Table.Td>
                      {s.action}
                      {s.template && ` · ${s.channel ?? 'email'} · ${s.template}`}
                    </Table.Td>
                    <Table.Td>
                      <Badge color={s.would === 'run' ? 'teal.9' : 'gray.7'}>{s.would}</Badge>
                    </Table.Td>
                    <Table.Td>{s.reason}</Table.Td>
                  </Table.Tr>
                ))}
              </Table.Tbody>
            </Table>
          </Stack>
        ))
      )}
      {result.assumptions.length > 0 && (
        <div>
          <Text size="sm" fw={600}>
            Assuming
          </Text>
          <List size="sm">
            {result.assumptions.map((a) => (
              <List.Item key={a}>{a}</List.Item>
            ))}
          </List>
        </div>
      )}
    </Stack>
  );
}
