import { SegmentedControl } from '@mantine/core';
import { useSearchParams } from 'react-router';

const DAY = 86_400_000;
const CHOICES = ['7', '30', '90', '365'] as const;

/** A period ending at the server's present, counted in whole days. */
export interface Period {
  readonly days: number;
  readonly from: string;
  readonly to: string;
}

/** The period the page's `?days=` chooses (30 by default), ending at `now`. */
export function usePeriod(now: number): [Period, (days: string) => void] {
  const [search, setSearch] = useSearchParams();
  const chosen = search.get('days');
  const days = Number(CHOICES.includes(chosen as (typeof CHOICES)[number]) ? chosen : '30');
  const set = (value: string) => {
    const next = new URLSearchParams(search);
    next.set('days', value);
    setSearch(next, { replace: true });
  };
  return [{ days, from: new Date(now - days * DAY).toISOString(), to: new Date(now).toISOString() }, set];
}

/** The period choice: the last 7, 30, 90 or 365 days. */
export function PeriodPicker({ period, onChange }: { period: Period; onChange: (days: string) => void }) {
  return (
    <SegmentedControl
      aria-label="Period"
      value={String(period.days)}
      onChange={onChange}
      data={CHOICES.map((d) => ({ value: d, label: d === '365' ? '12 months' : `${d} days` }))}
    />
  );
}
