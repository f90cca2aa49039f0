import { Anchor, Breadcrumbs, Stack, Title } from '@mantine/core';
import { useQuery } from '@tanstack/react-query';
import { Link, useParams } from 'react-router';
import { api, unwrap } from '../../api/client.ts';
import { ErrorState, Loading } from '../../components/page-state.tsx';
import { TemplateWorkbench } from './template-workbench.tsx';

/** One template: loads it, then hands it to the editor and preview. */
export function TemplatePage() {
  const name = useParams()['name'] ?? '';
  const template = useQuery({
    queryKey: ['template', name],
    queryFn: () => unwrap(api.GET('/v1/templates/{name}', { params: { path: { name } } })),
  });
  return (
    <Stack>
      <Breadcrumbs aria-label="Breadcrumb">
        <Anchor component={Link} to="/templates">
          Templates
        </Anchor>
        <span aria-current="page">{name}</span>
      </Breadcrumbs>
      <Title order={2}>Template {name}</Title>
      {template.isPending ? (
        <Loading what={`template ${name}`} />
      ) : template.isError ? (
        <ErrorState error={template.error} retry={() => void template.refetch()} />
      ) : (
        <TemplateWorkbench key={name} template={template.data} />
      )}
    </Stack>
  );
}
