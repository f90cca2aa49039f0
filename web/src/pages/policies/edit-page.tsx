import { Alert, Anchor, Breadcrumbs, Stack, Text, Title } from '@mantine/core';
import { Link, useParams, useSearchParams } from 'react-router';
import { useSession } from '../../auth/session.tsx';
import { ErrorState, Loading } from '../../components/page-state.tsx';
import { PolicyEditor } from './editor.tsx';
import { useTemplateNames, useVersion, useVersions } from './queries.ts';

/** `/policies/:name/edit?from=N`: the editor for people who may change policies, a pointer back for others. */
export function PolicyEditPage() {
  const name = useParams()['name'] ?? '';
  const [search] = useSearchParams();
  const session = useSession();
  const canWrite = session.can('policies:write');
  const versions = useVersions(name);
  const newest = versions.data?.[0]?.version ?? 0;
  const from = Number(search.get('from')) || newest;
  const base = useVersion(canWrite && newest > 0 ? `${name}@${from}` : null);
  const templates = useTemplateNames();

  const heading = (
    <>
      <Breadcrumbs separator="/" aria-label="Breadcrumb">
        <Anchor component={Link} to="/policies">
          Policies
        </Anchor>
        <Anchor component={Link} to={`/policies/${name}`}>
          {name}
        </Anchor>
        <Text component="span">New version</Text>
      </Breadcrumbs>
      <Title order={2}>New version of {name}</Title>
    </>
  );
  if (!canWrite) {
    return (
      <Stack>
        {heading}
        <Alert color="blue" title="View only">
          Your role ({session.user.role}) can read policies but not change them. Ask a manager or an admin to
          edit this one, or{' '}
          <Anchor component={Link} to={`/policies/${name}`}>
            view its versions
          </Anchor>
          .
        </Alert>
      </Stack>
    );
  }
  const failed = versions.error ?? base.error;
  if (failed) {
    return (
      <Stack>
        {heading}
        <ErrorState
          error={failed}
          retry={() => void (versions.error ? versions.refetch() : base.refetch())}
        />
      </Stack>
    );
  }
  if (!base.data) {
    return (
      <Stack>
        {heading}
        <Loading what={`v${from || ''} of ${name}`} />
      </Stack>
    );
  }
  return (
    <Stack>
      {heading}
      <Text size="sm" maw={760}>
        You are editing a copy of v{base.data.version}. Every change is checked as you type; saving stores it
        as a new version that new cases start on. Running cases keep the version they started on.
      </Text>
      {/* Templates only feed suggestions; the editor works without them, and the server checks names anyway. */}
      <PolicyEditor base={base.data} newest={newest} templates={templates.data ?? []} />
    </Stack>
  );
}
