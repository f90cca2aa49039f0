import { useDebouncedValue } from '@mantine/hooks';
import { keepPreviousData, useQuery } from '@tanstack/react-query';
import { useMemo } from 'react';
import { api, unwrap } from '../../api/client.ts';
import { type Draft, toDocument } from './draft.ts';
import { type ErrorIndex, NO_ERRORS, indexErrors } from './field-errors.ts';
import type { PathError } from './types.ts';

/** What the server said about the draft (as of the last check) and whether a newer check is on its way. */
export interface Validation {
  /** True while the draft has changed since the answer shown, or the server is being asked. */
  readonly checking: boolean;
  /** True only when the server has checked exactly the current draft and found nothing wrong. */
  readonly valid: boolean;
  readonly errors: ErrorIndex;
  /** The raw errors, for the summary list. */
  readonly list: readonly PathError[];
  /** The validate call itself failed (network, session); distinct from the policy being invalid. */
  readonly failure: unknown;
  /** The JSON text the draft stands for, as it would be saved. */
  readonly source: string;
}

const WAIT_MS = 400;

/** Validates the draft on the server a moment after the user stops typing, and places each error on its input. */
export function useValidation(draft: Draft): Validation {
  const source = useMemo(() => JSON.stringify(toDocument(draft), null, 2), [draft]);
  const keys = draft.steps.map((s) => s.key).join(' ');
  const snapshot = useMemo(() => ({ source, keys }), [source, keys]);
  const [asked] = useDebouncedValue(snapshot, WAIT_MS);
  const query = useQuery({
    queryKey: ['policies', 'validate', asked.source, asked.keys],
    queryFn: async () => {
      const reply = await unwrap(
        api.POST('/v1/policies/validate', { body: { source: asked.source, format: 'json' } }),
      );
      return { ...reply, keys: asked.keys.split(' '), source: asked.source };
    },
    staleTime: Number.POSITIVE_INFINITY,
    retry: false,
    // Keep showing the last answer while the next is on its way, rather than flashing every error away.
    placeholderData: keepPreviousData,
  });
  const data = query.data;
  const errors = useMemo(() => (data ? indexErrors(data.errors, data.keys) : NO_ERRORS), [data]);
  const current = data !== undefined && data.source === source;
  return {
    checking: !current || query.isFetching,
    valid: current && !query.isFetching && data.valid,
    errors,
    list: data?.errors ?? [],
    failure: query.error,
    source,
  };
}
