import { useDebouncedValue } from '@mantine/hooks';
import { keepPreviousData, useQuery } from '@tanstack/react-query';
import { useRef } from 'react';
import { api, unwrap } from '../../api/client.ts';
import { type SampleData, sampleToBody } from './sample-data.tsx';
import type { Parts, PreviewBody, Rendered } from './types.ts';

/** What to preview: a stored template by name, or (once edited) its text inline. */
export interface PreviewInput {
  readonly name: string;
  readonly locale: string;
  /** The edited text, or null to render the stored template exactly as the engine would. */
  readonly source: Parts | null;
  readonly sample: SampleData;
}

/** Where a preview is: rendering, rendered for the current input, or failed. */
export type PreviewState = 'loading' | 'ready' | 'error';

const DEBOUNCE_MS = 400;

function toBody(input: PreviewInput): PreviewBody {
  const data = sampleToBody(input.sample);
  return {
    ...(input.source ? { source: input.source } : { name: input.name }),
    locale: input.locale,
    ...(data ? { data } : {}),
  };
}

/** Renders the input on the server after typing pauses; keeps the last render on screen meanwhile. */
export function useTemplatePreview(input: PreviewInput): {
  rendered: Rendered | undefined;
  error: unknown;
  state: PreviewState;
} {
  // Debounced as text: a new object on every render would restart the timer for ever.
  const body = JSON.stringify(toBody(input));
  const [settled] = useDebouncedValue(body, DEBOUNCE_MS);
  const query = useQuery({
    queryKey: ['template-preview', settled],
    queryFn: () => unwrap(api.POST('/v1/templates/preview', { body: JSON.parse(settled) as PreviewBody })),
    placeholderData: keepPreviousData,
  });
  // A failed render has no data; the last good one stays on screen, under the error, to compare against.
  const lastGood = useRef<Rendered | undefined>(undefined);
  if (query.data && !query.isPlaceholderData) lastGood.current = query.data;
  const pending = settled !== body || query.isFetching || query.isPlaceholderData;
  const state: PreviewState = pending ? 'loading' : query.isError ? 'error' : 'ready';
  return { rendered: query.data ?? lastGood.current, error: query.isError ? query.error : null, state };
}
