import { Anchor, Badge, Breadcrumbs, Button, Group, List, Paper, Stack, Text, Title } from '@mantine/core';
import { IconEdit } from '@tabler/icons-react';
import type { ReactNode } from 'react';
import { Link, useParams, useSearchParams } from 'react-router';
import { useSession } from '../../auth/session.tsx';
import { ErrorState, Loading } from '../../components/page-state.tsx';
import { formatInstant } from '../../format/dates.ts';
import { CompareVersions } from './compare-versions.tsx';
import { DryRunPanel } from './dry-run-panel.tsx';
import { describeOffset } from './offset.ts';
import { useVersion, useVersions } from './queries.ts';
import { settingsLines } from './step-text.ts';
import { StepsTable } from './steps-table.tsx';
import { ANCHOR_LABELS } from './types.ts';
import { VersionsTable } from './versions-table.tsx';

/** A section with a heading that names it for screen readers. */
function Section({ title, children }: { title: string; children: ReactNode }) {
  const id = `section-${title.toLowerCase().replace(/[^a-z0-9]+/g, '-')}`;
  return (
    <Paper withBorder p="md" component="section" aria-labelledby={id}>
      <Title order={3} size="h4" id={id} mb="sm">
        {title}
      </Title>
      {children}
    </Paper>
  );
}

/** One policy: its versions, the steps of the one chosen, a diff between two versions and a dry run. */
export function PolicyPage() {
  const name = useParams()['name'] ?? '';
  const session = useSession();
  const canWrite = session.can('policies:write');
  const [search, setSearch] = useSearchParams();
  const versions = useVersions(name);
  const list = versions.data ?? [];
  const newest = list[0]?.version ?? 0;
  const shown = Number(search.get('version')) || newest;
  const detail = useVersion(list.length > 0 ? `${name}@${shown}` : null);
  const update = (changes: Record<string, string | null>) => {
    const next = new URLSearchParams(search);
    for (const [k, v] of Object.entries(changes)) v === null ? next.delete(k) : next.set(k, v);
    setSearch(next, { replace: true });
  };
  const to = Number(search.get('to')) || newest;
  const from = Number(search.get('from')) || list.find((v) => v.version < to)?.version || to;

  const heading = (
    <>
      <Breadcrumbs separator="/" aria-label="Breadcrumb">
        <Anchor component={Link} to="/policies">
          Policies
        </Anchor>
        <Text component="span">{name}</Text>
      </Breadcrumbs>
      <Group justify="space-between">
        <Group gap="sm">
          <Title order={2}>{name}</Title>
          {newest > 0 && <Badge color="teal.9">v{newest} active</Badge>}
        </Group>
        {canWrite && newest > 0 && (
          <Button
            component={Link}
            to={`/policies/${name}/edit?from=${shown}`}
            leftSection={<IconEdit size={16} aria-hidden />}
          >
            Edit as new version
          </Button>
        )}
      </Group>
    </>
  );
  if (versions.isPending)
    return (
      <Stack>
        {heading}
        <Loading what={`the versions of ${name}`} />
      </Stack>
    );
  if (versions.isError) {
    return (
      <Stack>
        {heading}
        <ErrorState error={versions.error} retry={() => void versions.refetch()} />
        <Anchor component={Link} to="/policies">
          Back to all policies
        </Anchor>
      </Stack>
    );
  }
  const doc = detail.data?.document;
  return (
    <Stack>
      {heading}
      {!canWrite && (
        <Text size="sm">Your role can view policies but not change them; a manager or admin edits them.</Text>
      )}
      <Section title="Versions">
        <VersionsTable
          versions={list}
          shown={shown}
          canWrite={canWrite}
          onActivated={(v) => update({ version: String(v), from: String(shown), to: String(v) })}
        />
      </Section>
      <Section title={`Steps of v${shown}`}>
        {detail.isPending ? (
          <Loading what={`v${shown}`} />
        ) : detail.isError ? (
          <ErrorState error={detail.error} retry={() => void detail.refetch()} />
        ) : (
          doc && (
            <Stack gap="sm">
              <Text size="sm">
                {doc.description ?? 'No description.'} Applied {formatInstant(detail.data.created_at)}.
                Offsets count from {ANCHOR_LABELS[doc.anchor]}; the first step runs{' '}
                {describeOffset(doc.steps[0]?.offset ?? '', doc.anchor) ?? '–'}.
              </Text>
              <List size="sm">
                {settingsLines(doc).map((line) => (
                  <List.Item key={line}>{line}</List.Item>
                ))}
              </List>
              <StepsTable document={doc} exportName={`${name}-v${shown}-steps`} />
            </Stack>
          )
        )}
      </Section>
      <Section title="Compare versions">
        <CompareVersions
          versions={list}
          from={from}
          to={to}
          onChange={(f, t) => update({ from: String(f), to: String(t) })}
        />
      </Section>
      <Section title={`Dry run of v${shown}`}>
        <DryRunPanel policyName={name} target={{ versionId: `${name}@${shown}` }} />
      </Section>
    </Stack>
  );
}
