import { Alert, Badge, Button, Grid, Group, NativeSelect, Stack, Text } from '@mantine/core';
import { IconDeviceFloppy, IconRestore } from '@tabler/icons-react';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { useSearchParams } from 'react-router';
import { ApiProblem, api, unwrap } from '../../api/client.ts';
import { useSession } from '../../auth/session.tsx';
import { notifySuccess } from '../policies/notify.tsx';
import { renderProblem } from './liquid-errors.ts';
import { defaultLocale, localeLabel } from './locales.ts';
import { PreviewPane } from './preview-pane.tsx';
import { refreshTemplate } from './queries.ts';
import { ResetButton } from './reset-button.tsx';
import { EMPTY_SAMPLE, SampleDataForm, type SampleData } from './sample-data.tsx';
import { SourceEditor } from './source-editor.tsx';
import { TestSend } from './test-send.tsx';
import type { Parts, TemplateDetail } from './types.ts';
import { UnsavedChangesGuard } from './unsaved-guard.tsx';
import { useTemplatePreview } from './use-template-preview.ts';
import { VersionHistory } from './version-history.tsx';

function sameParts(a: Parts, b: Parts): boolean {
  return a.subject === b.subject && a.text === b.text && a.html === b.html;
}

/**
 * The editor beside its live preview, one locale at a time; edits are kept per locale until saved, undone or
 * the page is left (which asks first). People who may change templates save a locale as a new version, which
 * the engine sends from its next batch, or reset it to the shipped file.
 */
export function TemplateWorkbench({ template }: { template: TemplateDetail }) {
  const session = useSession();
  const canWrite = session.can('policies:write');
  const client = useQueryClient();
  const [search, setSearch] = useSearchParams();
  const requested = search.get('locale');
  const locale =
    requested && template.locales.includes(requested) ? requested : defaultLocale(template.locales);
  const [drafts, setDrafts] = useState<Record<string, Parts>>({});
  const [sample, setSample] = useState<SampleData>(EMPTY_SAMPLE);
  const stored = template.sources.find((s) => s.locale === locale);
  const draft = (locale && drafts[locale]) || stored;
  const edited = !!draft && !!stored && !sameParts(draft, stored);
  const unsavedLocales = Object.entries(drafts)
    .filter(([l, d]) => {
      const source = template.sources.find((s) => s.locale === l);
      return !!source && !sameParts(d, source);
    })
    .map(([l]) => l);
  const dropDraft = (l: string) => setDrafts(({ [l]: _, ...rest }) => rest);
  const save = useMutation({
    mutationFn: (input: { locale: string; parts: Parts }) =>
      unwrap(
        api.PUT('/v1/templates/{name}/locales/{locale}', {
          params: { path: { name: template.name, locale: input.locale } },
          body: { subject: input.parts.subject, text: input.parts.text, html: input.parts.html },
        }),
      ),
    onSuccess: async (saved) => {
      // The stored text is read again before the draft goes, so the editor never shows the old text.
      await refreshTemplate(client, template.name);
      dropDraft(saved.locale);
      notifySuccess(
        `Saved ${template.name} (${saved.locale}) as version ${saved.version}`,
        'Reminders use it from the engine’s next batch.',
      );
    },
  });
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
        {'<locale>'}/ on the server, or a version saved through the API.
      </Alert>
    );
  }
  // A refused save names the part at fault, as a failed preview does; it is shown until the text changes.
  const previewProblem = preview.error ? renderProblem(preview.error) : null;
  const saveProblem = save.error ? renderProblem(save.error) : null;
  const problem = saveProblem?.part ? saveProblem : previewProblem;
  const setDraft = (next: Parts) => {
    save.reset();
    setDrafts((all) => ({ ...all, [locale]: next }));
  };
  return (
    <Stack>
      <UnsavedChangesGuard
        dirty={unsavedLocales.length > 0}
        what={`${template.name} (${unsavedLocales.join(', ')})`}
      />
      <Text size="sm">
        {template.used_by.length === 0
          ? 'No current policy sends this template.'
          : `Sent by ${template.used_by.map((u) => `${u.policy} (steps ${u.steps.join(', ')})`).join('; ')}.`}
      </Text>
      {!canWrite && (
        <Alert color="blue" title="View only">
          Your role ({session.user.role}) can try edits in the preview but not save them. Ask a manager or an
          admin to change this template.
        </Alert>
      )}
      <Group align="flex-end" gap="sm">
        <NativeSelect
          label="Locale"
          value={locale}
          onChange={(e) => {
            save.reset();
            setSearch({ locale: e.currentTarget.value }, { replace: true });
          }}
          data={template.locale_states.map((l) => ({
            value: l.locale,
            label: `${localeLabel(l.locale)}${l.state === 'edited' ? ' · edited' : ''}`,
          }))}
          w={240}
        />
        <Badge variant="light" color={stored.state === 'edited' ? 'violet' : 'gray'} mb={8}>
          {stored.state === 'edited' ? `edited · v${stored.version}` : 'shipped file'}
        </Badge>
        {edited && (
          <Badge color="red" variant="outline" mb={8}>
            edited, not saved
          </Badge>
        )}
      </Group>
      <Group gap="sm">
        {canWrite && (
          <Button
            leftSection={<IconDeviceFloppy size={14} aria-hidden />}
            disabled={!edited}
            loading={save.isPending}
            onClick={() => save.mutate({ locale, parts: draft })}
            aria-describedby="template-save-hint"
          >
            Save
          </Button>
        )}
        <Button
          variant="default"
          leftSection={<IconRestore size={14} aria-hidden />}
          disabled={!edited}
          onClick={() => {
            save.reset();
            dropDraft(locale);
          }}
        >
          Undo edits in {locale}
        </Button>
        {canWrite && stored.state === 'edited' && (
          <ResetButton
            name={template.name}
            locale={locale}
            shippedFile={stored.shipped_file}
            onReset={() => dropDraft(locale)}
          />
        )}
        {canWrite && (
          <Text size="sm" id="template-save-hint">
            {edited
              ? `Saving stores the ${locale} text as a new version; reminders use it from the engine’s next batch.`
              : `Nothing to save: edit the ${locale} text first.`}
          </Text>
        )}
      </Group>
      {saveProblem && !saveProblem.part && (
        <Alert color="red" title="Not saved" role="alert">
          {saveProblem.message}
          {save.error instanceof ApiProblem && save.error.status === 403
            ? ' Your role cannot change templates.'
            : ' Your edits are still here.'}
        </Alert>
      )}
      <Grid gap="md">
        <Grid.Col span={{ base: 12, lg: 6 }}>
          <Stack>
            <SourceEditor locale={locale} value={draft} onChange={setDraft} problem={problem} />
            <VersionHistory name={template.name} locale={locale} />
          </Stack>
        </Grid.Col>
        <Grid.Col span={{ base: 12, lg: 6 }}>
          <Stack>
            <PreviewPane
              locale={locale}
              rendered={preview.rendered}
              state={preview.state}
              problem={previewProblem?.message ?? null}
            />
            <SampleDataForm value={sample} onChange={setSample} error={preview.error} />
            {canWrite && <TestSend template={template.name} locale={locale} edited={edited} />}
          </Stack>
        </Grid.Col>
      </Grid>
    </Stack>
  );
}
