import { minorDigits } from '../../format/money.ts';
import type { paths } from '../../api/schema.ts';

export type CaseQuery = paths['/v1/cases']['get']['parameters']['query'];
export type CaseState = NonNullable<CaseQuery['state']>;
export const CASE_STATES: readonly CaseState[] = [
  'open',
  'needs_attention',
  'recovered',
  'exhausted',
  'cancelled',
  'written_off',
];

/** What the list is filtered by, as text fields the way the URL and the form hold them. */
export interface CaseFilters {
  state: string;
  policy: string;
  currency: string;
  min_amount: string;
  max_amount: string;
  /** Minimum age in days since the case opened. */
  min_age_days: string;
  /** Maximum age in days since the case opened. */
  max_age_days: string;
  paused: string;
  assignee: string;
}

export const FILTER_KEYS: readonly (keyof CaseFilters)[] = [
  'state',
  'policy',
  'currency',
  'min_amount',
  'max_amount',
  'min_age_days',
  'max_age_days',
  'paused',
  'assignee',
];

/** The filters a URL's search parameters hold. */
export function filtersFromSearch(search: URLSearchParams): CaseFilters {
  const filters = {} as CaseFilters;
  for (const key of FILTER_KEYS) filters[key] = search.get(key) ?? '';
  return filters;
}

/** The non-empty filters as search parameters, so a filtered list can be bookmarked and shared. */
export function filtersToSearch(filters: CaseFilters): URLSearchParams {
  const search = new URLSearchParams();
  for (const key of FILTER_KEYS) if (filters[key] !== '') search.set(key, filters[key]);
  return search;
}

const DAY = 86_400_000;

/** The API query for the filters, ages counted back from `now` (the server's clock). */
export function filtersToQuery(filters: CaseFilters, now: number, limit: number): CaseQuery {
  const query: CaseQuery = { limit };
  if (filters.state) query.state = filters.state as CaseState;
  if (filters.policy) query.policy = filters.policy;
  if (filters.currency) query.currency = filters.currency.toUpperCase();
  // People type amounts in the currency's main unit; the API counts minor units (cents, yen).
  const minor = (major: string) => Math.round(Number(major) * 10 ** minorDigits(query.currency ?? 'EUR'));
  if (filters.min_amount && query.currency) query.min_amount = minor(filters.min_amount);
  if (filters.max_amount && query.currency) query.max_amount = minor(filters.max_amount);
  if (filters.min_age_days) query.opened_before = new Date(now - Number(filters.min_age_days) * DAY).toISOString();
  if (filters.max_age_days) query.opened_after = new Date(now - Number(filters.max_age_days) * DAY).toISOString();
  if (filters.paused) query.paused = filters.paused === 'true';
  if (filters.assignee) query.assignee = filters.assignee;
  return query;
}
