import { Code, Group, Text, Timeline } from '@mantine/core';
import type { paths } from '../../api/schema.ts';
import { formatInstant } from '../../format/dates.ts';

type Event =
  paths['/v1/cases/{id}']['get']['responses']['200']['content']['application/json']['timeline'][number];

/** Everything that happened to a case, oldest first, each with the policy version, step and rule behind it. */
export function CaseTimeline({ events, policyVersions }: { events: readonly Event[]; policyVersions: Map<string, string> }) {
  return (
    <Timeline bulletSize={14} lineWidth={2} aria-label="Case timeline">
      {events.map((e) => (
        <Timeline.Item
          key={e.id}
          title={
            <Group gap="xs">
              <Text fw={600} size="sm">
                {e.type}
              </Text>
              <Text size="xs" c="dimmed">
                {formatInstant(e.at)}
              </Text>
            </Group>
          }
        >
          <Text size="sm">{explain(e, policyVersions)}</Text>
          {Object.keys(e.data).length > 0 && (
            <Code block fz="xs" mt={4}>
              {JSON.stringify(e.data, null, 1)}
            </Code>
          )}
        </Timeline.Item>
      ))}
    </Timeline>
  );
}

/** Why the engine did it, in words: which policy version and step, under which rule. */
function explain(e: Event, policyVersions: Map<string, string>): string {
  const parts: string[] = [];
  if (e.policy_version_id) parts.push(`policy ${policyVersions.get(e.policy_version_id) ?? e.policy_version_id}`);
  if (e.step_id) parts.push(`step ${e.step_id}`);
  if (e.rule) parts.push(`rule: ${e.rule}`);
  return parts.length > 0 ? parts.join(' · ') : 'recorded by a person or the billing system';
}
