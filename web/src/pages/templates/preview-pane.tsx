import { Alert, Loader, Group, Paper, Stack, Tabs, Text, Title } from '@mantine/core';
import { IconAlertTriangle } from '@tabler/icons-react';
import { localeLabel } from './locales.ts';
import type { PreviewState } from './use-template-preview.ts';
import type { Rendered } from './types.ts';

interface PreviewPaneProps {
  readonly locale: string;
  readonly rendered: Rendered | undefined;
  readonly state: PreviewState;
  /** Why the current text does not render, in words that say what to fix. */
  readonly problem: string | null;
}

/**
 * The message as a customer would get it. The HTML is shown in a sandboxed frame with no rights at all (no
 * scripts, no forms, no navigation), so nothing in a template can act on the dashboard.
 */
export function PreviewPane({ locale, rendered, state, problem }: PreviewPaneProps) {
  return (
    <Paper
      withBorder
      p="md"
      component="section"
      aria-labelledby="preview-title"
      aria-busy={state === 'loading'}
      data-testid="template-preview"
      data-state={state}
      data-locale={locale}
    >
      <Stack gap="sm">
        <Group justify="space-between">
          <Title order={3} size="h5" id="preview-title">
            Preview · {localeLabel(locale)}
          </Title>
          {state === 'loading' && (
            <Group gap={6} role="status">
              <Loader size="xs" />
              <Text size="xs" c="dimmed">
                Rendering…
              </Text>
            </Group>
          )}
        </Group>
        {problem && (
          <Alert
            color="red"
            icon={<IconAlertTriangle aria-hidden />}
            title="This text does not render"
            role="alert"
          >
            <Text size="sm">{problem}</Text>
            {rendered && (
              <Text size="xs" mt={4}>
                Below is the last version that rendered.
              </Text>
            )}
          </Alert>
        )}
        {rendered && rendered.locale !== locale && (
          <Text size="sm" c="dimmed">
            No {locale} text: customers asking for {locale} get {localeLabel(rendered.locale)}.
          </Text>
        )}
        {rendered ? (
          <>
            <Text size="sm">
              <Text span fw={600}>
                Subject:{' '}
              </Text>
              <span data-testid="preview-subject">{rendered.subject}</span>
            </Text>
            <Tabs defaultValue="html" keepMountedMode="display-none">
              <Tabs.List>
                <Tabs.Tab value="html">HTML email</Tabs.Tab>
                <Tabs.Tab value="text">Plain text</Tabs.Tab>
              </Tabs.List>
              <Tabs.Panel value="html" pt="xs">
                <iframe
                  sandbox=""
                  srcDoc={rendered.html}
                  title={`HTML email preview (${rendered.locale}): ${rendered.subject}`}
                  data-testid="preview-html"
                  style={{
                    width: '100%',
                    height: 520,
                    border: '1px solid var(--mantine-color-gray-3)',
                    background: '#fff',
                  }}
                />
              </Tabs.Panel>
              <Tabs.Panel value="text" pt="xs">
                <pre
                  data-testid="preview-text"
                  style={{ whiteSpace: 'pre-wrap', wordBreak: 'break-word', margin: 0, fontSize: 13 }}
                >
                  {rendered.text}
                </pre>
              </Tabs.Panel>
            </Tabs>
          </>
        ) : (
          !problem && (
            <Text size="sm" c="dimmed">
              The preview appears here once the template renders.
            </Text>
          )
        )}
      </Stack>
    </Paper>
  );
}
