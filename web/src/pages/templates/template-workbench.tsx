import { Alert, Badge, Button, Code, Grid, Group, NativeSelect, Stack, Text } from '@mantine/core';
import { IconInfoCircle, IconRestore } from '@tabler/icons-react';
import { useState } from 'react';
import { useSearchParams } from 'react-router';
import { useSession } from '../../auth/session.tsx';
import { renderProblem } from './liquid-errors.ts';
import { defaultLocale, localeLabel } from './locales.ts';
import { PreviewPane } from './preview-pane.tsx';
import { EMPTY_SAMPLE, SampleDataForm, type SampleData } from './sample-data.tsx';
import { SourceEditor } from './source-editor.tsx';
import { TestSend } from './test-send.tsx';
import type { Parts, TemplateDetail } from './types.ts';
import { useTemplatePreview } from './use-template-preview.ts';

function sameParts(a: Parts, b: Parts): boolean {
  return a.subject === b.subject && a.text === b.text && a.html === b.html;
}

/** The editor beside its live preview, one locale at a time; edits are kept per locale until the page closes. */
export function TemplateWorkbench({ template }: { template: TemplateDetail }) {
  const session = useSession();
  const [search, setSearch] = useSearchParams();
  const requested = search.get('locale');
  const locale =
    requested && template.locales.includes(requested) ? requested : defaultLocale(template.locales);
  const [drafts, setDrafts] = useState<Record<string, Parts>>({});
  const [sample, setSample] = useState<SampleData>(EMPTY_SAMPLE);
  const stored = template.sources.find((s) => s.locale === locale);
  const draft = (locale && drafts[locale]) || stored;
  const edited = !!draft && !!stored && !sameParts(draft, stored);
  const preview = useTemplatePreview({
    name: template.name,
    locale: locale ?? 'en',
    // An unedited template is rendered by name, exactly as the engine would send it.
    source: edited && draft ? { subject: draft.subject, text: draft.text, html: draft.html } : null,
    sample,
  });
  if (!locale || !stored || !draft) {
    return (
      <Alert color="red" title="This template has no complete locale">
        Each locale needs subject.liquid, text.liquid and html.liquid in templates/email/{template.name}/
        {'<locale>'}/ on the server.
      </Alert>
    );
  }
  const problem = preview.error ? renderProblem(preview.error) : null;
  const folder = `templates/email/${template.name}/${locale}/`;
  return (
    <Stack>
      <Text size="sm">
        {template.used_by.length === 0
          ? 'No current policy sends this template.'
          : `Sent by ${template.used_by.map((u) => `${u.policy} (steps ${u.steps.join(', ')})`).join('; ')}.`}
      </Text>
      <Alert color="blue" icon={<IconInfoCircle aria-hidden />} title="Edits are previewed only">
        Recoup cannot save templates from the dashboard yet. Try changes here, then copy them into{' '}
        <Code>{folder}</Code> (subject.liquid, text.liquid, html.liquid) and restart Recoup.
      </Alert>
      <Group align="flex-end" gap="sm">
        <NativeSelect
          label="Locale"
          value={locale}
          onChange={(e) => setSearch({ locale: e.currentTarget.value }, { replace: true })}
          data={template.locales.map((l) => ({ value: l, label: localeLabel(l) }))}
          w={220}
        />
        <Button
          variant="default"
          leftSection={<IconRestore size={14} aria-hidden />}
          disabled={!edited}
          onClick={() => setDrafts(({ [locale]: _, ...rest }) => rest)}
        >
          Undo edits in {locale}
        </Button>
        {edited && (
          <Badge color="red" variant="outline">
            edited, not saved
          </Badge>
        )}
      </Group>
      <Grid gap="md">
        <Grid.Col span={{ base: 12, lg: 6 }}>
          <SourceEditor
            locale={locale}
            value={draft}
            onChange={(next) => setDrafts((all) => ({ ...all, [locale]: next }))}
            problem={problem}
          />
        </Grid.Col>
        <Grid.Col span={{ base: 12, lg: 6 }}>
          <Stack>
            <PreviewPane
              locale={locale}
              rendered={preview.rendered}
              state={preview.state}
              problem={problem?.message ?? null}
            />
            <SampleDataForm value={sample} onChange={setSample} error={preview.error} />
            {session.can('policies:write') && (
              <TestSend template={template.name} locale={locale} edited={edited} />
            )}
          </Stack>
        </Grid.Col>
      </Grid>
    </Stack>
  );
}
