import { Alert, Button, Group, NativeSelect, Stack, Text } from '@mantine/core';
import { useMutation, useQuery } from '@tanstack/react-query';
import { IconPlayerPlay } from '@tabler/icons-react';
import { useState } from 'react';
import { api, unwrap } from '../../api/client.ts';
import { ErrorState } from '../../components/page-state.tsx';
import { formatMoney } from '../../format/money.ts';
import { DryRunResult } from './dry-run-result.tsx';
import type { PolicyDocument } from './types.ts';

/** What to try: a stored version, or a document being edited. */
export type DryRunTarget = { readonly versionId: string } | { readonly document: PolicyDocument };

interface Props {
  readonly policyName: string;
  readonly target: DryRunTarget;
  /** Why the dry run cannot run now (e.g. the draft has errors); null when it can. */
  readonly blockedBecause?: string | null;
}

// Open cases on this policy make the most telling examples; any open case will do when it has none.
function useCaseChoices(policy: string) {
  return useQuery({
    queryKey: ['policies', 'dry-run-cases', policy],
    queryFn: async () => {
      const mine = await unwrap(
        api.GET('/v1/cases', { params: { query: { limit: 50, state: 'open', policy } } }),
      );
      if (mine.data.length > 0) return mine.data;
      return (await unwrap(api.GET('/v1/cases', { params: { query: { limit: 50, state: 'open' } } }))).data;
    },
  });
}

/** Picks a case and shows what the policy would do to it from now, day by day, without changing anything. */
export function DryRunPanel({ policyName, target, blockedBecause = null }: Props) {
  const cases = useCaseChoices(policyName);
  const [caseId, setCaseId] = useState('');
  const targetText = JSON.stringify(target);
  const run = useMutation({
    mutationFn: async (input: { caseId: string; targetText: string }) => {
      const body =
        'versionId' in target
          ? { case_id: input.caseId, policy_version_id: target.versionId }
          : { case_id: input.caseId, document: target.document as unknown as Record<string, unknown> };
      return { result: await unwrap(api.POST('/v1/policies/dry-run', { body })), ...input };
    },
  });
  if (cases.isError) return <ErrorState error={cases.error} retry={() => void cases.refetch()} />;
  const options = (cases.data ?? []).map((c) => ({
    value: c.id,
    label: `${c.customer_name} · ${formatMoney(c.amount_owed, c.currency)} owed · on ${c.policy.name} v${c.policy.version}`,
  }));
  const stale = run.data && (run.data.caseId !== caseId || run.data.targetText !== targetText);
  return (
    <Stack gap="sm">
      <Text size="sm">
        Try this policy on a real case: the engine decides each step as it would (contact hours, opt-outs,
        message and retry limits) and nothing is charged, sent or saved.
      </Text>
      {cases.data?.length === 0 ? (
        <Text size="sm">
          There are no open cases to try it on. A case opens when a payment fails or an invoice is overdue.
        </Text>
      ) : (
        <Group align="flex-end">
          <NativeSelect
            label="Case to try it on"
            data={[
              { value: '', label: cases.isPending ? 'Loading cases…' : 'Choose an open case' },
              ...options,
            ]}
            value={caseId}
            onChange={(e) => setCaseId(e.currentTarget.value)}
            miw={320}
          />
          <Button
            leftSection={<IconPlayerPlay size={14} aria-hidden />}
            disabled={!caseId || blockedBecause !== null}
            loading={run.isPending}
            onClick={() => run.mutate({ caseId, targetText })}
          >
            Dry run
          </Button>
        </Group>
      )}
      {blockedBecause && <Text size="sm">{blockedBecause}</Text>}
      {run.isError && <ErrorState error={run.error} />}
      {stale && (
        <Alert color="yellow" title="Out of date">
          The case or the policy changed since this dry run. Run it again to see the current answer.
        </Alert>
      )}
      {run.data && <DryRunResult result={run.data.result} />}
    </Stack>
  );
}
