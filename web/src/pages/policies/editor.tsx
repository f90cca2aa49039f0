import {
  Alert,
  Button,
  Group,
  NativeSelect,
  Paper,
  Stack,
  Text,
  Textarea,
  Title,
  VisuallyHidden,
} from '@mantine/core';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { IconDeviceFloppy, IconPlus } from '@tabler/icons-react';
import { useEffect, useMemo, useRef, useState } from 'react';
import { Link, useNavigate } from 'react-router';
import { ApiProblem, api, unwrap } from '../../api/client.ts';
import { diffPolicies } from './diff.ts';
import { DiffView } from './diff-view.tsx';
import { type Draft, type DraftStep, blankStep, move, toDocument, toDraft } from './draft.ts';
import { DryRunPanel } from './dry-run-panel.tsx';
import { notifySuccess } from './notify.tsx';
import { StepCard, controlId } from './step-card.tsx';
import { settingsLines } from './step-text.ts';
import { ANCHOR_LABELS, type PolicyAnchor, type VersionDetail } from './types.ts';
import { useValidation } from './use-validation.ts';
import { ValidationStatus } from './validation-status.tsx';

interface Props {
  readonly base: VersionDetail;
  /** The active version's number, to warn when the base is an older one. */
  readonly newest: number;
  readonly templates: readonly string[];
}

/** The step editor: a new version of a policy based on `base`, checked by the server as it is edited. */
export function PolicyEditor({ base, newest, templates }: Props) {
  const navigate = useNavigate();
  const client = useQueryClient();
  const [draft, setDraft] = useState<Draft>(() => toDraft(base.document));
  const [announcement, setAnnouncement] = useState('');
  const focusNext = useRef<string | null>(null);
  const validation = useValidation(draft);
  const document = useMemo(() => toDocument(draft), [draft]);
  const diff = useMemo(() => diffPolicies(base.document, document), [base.document, document]);

  // Moving or adding re-renders the list; focus then follows the step the user acted on.
  useEffect(() => {
    if (!focusNext.current) return;
    globalThis.document.getElementById(focusNext.current)?.focus();
    focusNext.current = null;
  });

  const setSteps = (steps: DraftStep[]) => setDraft((d) => ({ ...d, steps }));
  const patchStep = (key: string, patch: Partial<DraftStep>) =>
    setDraft((d) => ({ ...d, steps: d.steps.map((s) => (s.key === key ? { ...s, ...patch } : s)) }));
  const moveStep = (index: number, by: -1 | 1) => {
    const step = draft.steps[index]!;
    const to = index + by;
    const atEdge = to === 0 || to === draft.steps.length - 1;
    // The button pressed is disabled at the list's end, so focus goes to the other one.
    focusNext.current = controlId(step.key, atEdge ? (by < 0 ? 'down' : 'up') : by < 0 ? 'up' : 'down');
    setSteps(move(draft.steps, index, to));
    setAnnouncement(`Step ${step.id} moved to position ${to + 1} of ${draft.steps.length}.`);
  };
  const removeStep = (index: number) => {
    const step = draft.steps[index]!;
    const next = draft.steps[index + 1] ?? draft.steps[index - 1];
    focusNext.current = next ? controlId(next.key, 'id') : 'policy-add-step';
    setSteps(draft.steps.filter((s) => s.key !== step.key));
    setAnnouncement(`Step ${step.id} removed.`);
  };
  const addStep = () => {
    const step = blankStep(draft.steps);
    focusNext.current = controlId(step.key, 'id');
    setSteps([...draft.steps, step]);
    setAnnouncement(`Step ${step.id} added at the end.`);
  };

  const save = useMutation({
    mutationFn: () =>
      unwrap(api.POST('/v1/policies', { body: { source: validation.source, format: 'json' } })),
    onSuccess: async (row) => {
      notifySuccess(
        `Saved ${row.name} v${row.version}`,
        'It is now the active version: new cases start on it; running cases keep theirs.',
      );
      await client.invalidateQueries({ queryKey: ['policies'] });
      navigate(`/policies/${row.name}?version=${row.version}&from=${base.version}&to=${row.version}`);
    },
  });
  const blocked = validation.failure
    ? 'The draft could not be checked; try again in a moment.'
    : validation.checking
      ? 'Checking the draft…'
      : !validation.valid
        ? 'Fix the problems marked above first.'
        : diff.identical
          ? `Nothing changed yet: this would be the same as v${base.version}.`
          : null;
  const stepErrors = validation.errors.steps;

  return (
    <Stack>
      <VisuallyHidden role="status" aria-live="polite">
        {announcement}
      </VisuallyHidden>
      {base.version !== newest && (
        <Alert color="yellow" title={`Based on v${base.version}, not the active v${newest}`}>
          Saving makes this edit the active version, replacing v{newest}’s steps for new cases.
        </Alert>
      )}
      <Paper withBorder p="md" component="section" aria-labelledby="policy-settings-title">
        <Title order={3} size="h4" id="policy-settings-title" mb="sm">
          Policy settings
        </Title>
        <Stack gap="sm">
          <Textarea
            label="Description"
            description="what this playbook is for, in a sentence"
            autosize
            minRows={1}
            value={draft.description}
            error={validation.errors.policy.get('description')}
            onChange={(e) => setDraft({ ...draft, description: e.currentTarget.value })}
          />
          <NativeSelect
            label="Offsets count from"
            data={Object.entries(ANCHOR_LABELS).map(([value, label]) => ({ value, label }))}
            value={draft.anchor}
            error={validation.errors.policy.get('anchor')}
            onChange={(e) => setDraft({ ...draft, anchor: e.currentTarget.value as PolicyAnchor })}
            maw={320}
          />
          <Text size="sm">
            Kept from v{base.version}: {settingsLines(base.document).join('; ')}.
          </Text>
        </Stack>
      </Paper>
      <Paper withBorder p="md" component="section" aria-labelledby="policy-steps-title">
        <Title order={3} size="h4" id="policy-steps-title" mb={4}>
          Steps
        </Title>
        <Text size="sm" mb="sm">
          Steps run in list order, and their offsets must not go back in time.
        </Text>
        <ValidationStatus validation={validation} stepIds={draft.steps.map((s) => s.id)} />
        <Stack gap="sm" mt="sm">
          {validation.errors.policy.get('steps') && (
            <Text size="sm" c="red.9">
              {validation.errors.policy.get('steps')}
            </Text>
          )}
          {draft.steps.length === 0 && (
            <Text size="sm">No steps: a policy needs at least one. Add one below.</Text>
          )}
          {draft.steps.map((step, i) => (
            <StepCard
              key={step.key}
              step={step}
              index={i}
              count={draft.steps.length}
              anchor={draft.anchor}
              templates={templates}
              errors={stepErrors.get(step.key)}
              onChange={(patch) => patchStep(step.key, patch)}
              onMove={(by) => moveStep(i, by)}
              onRemove={() => removeStep(i)}
            />
          ))}
          <Group>
            <Button
              id="policy-add-step"
              variant="default"
              leftSection={<IconPlus size={16} aria-hidden />}
              onClick={addStep}
            >
              Add step
            </Button>
          </Group>
        </Stack>
      </Paper>
      <Paper withBorder p="md" component="section" aria-labelledby="policy-changes-title">
        <Title order={3} size="h4" id="policy-changes-title" mb="sm">
          Changes from v{base.version}
        </Title>
        <DiffView diff={diff} labels={[`v${base.version}`, 'this draft']} />
      </Paper>
      <Paper
        withBorder
        shadow="sm"
        p="sm"
        component="section"
        aria-label="Save"
        // Stays in view while scrolling a long list of steps, so saving never needs a trip to the bottom.
        style={{ position: 'sticky', bottom: 0, zIndex: 2 }}
      >
        <Stack gap="xs">
          {save.isError && (
            <Alert color="red" title="Not saved" role="alert">
              {save.error.message}
              {save.error instanceof ApiProblem && save.error.status === 403
                ? ' Your role cannot change policies.'
                : ' Your edits are still here; fix what it names and save again.'}
            </Alert>
          )}
          <Group>
            <Button
              leftSection={<IconDeviceFloppy size={16} aria-hidden />}
              disabled={blocked !== null}
              loading={save.isPending}
              onClick={() => save.mutate()}
              aria-describedby="policy-save-hint"
            >
              Save as new version
            </Button>
            <Button component={Link} to={`/policies/${base.name}?version=${base.version}`} variant="default">
              Cancel
            </Button>
            <Text size="sm" id="policy-save-hint">
              {blocked ?? 'Saving stores it as a new version and makes it active; running cases keep theirs.'}
            </Text>
          </Group>
        </Stack>
      </Paper>
      <Paper withBorder p="md" component="section" aria-labelledby="policy-dry-run-title">
        <Title order={3} size="h4" id="policy-dry-run-title" mb="sm">
          Dry run of this draft
        </Title>
        <DryRunPanel
          policyName={base.name}
          target={{ document }}
          blockedBecause={
            validation.valid
              ? null
              : validation.checking
                ? 'Checking the draft…'
                : 'The dry run needs a valid draft; fix the problems above first.'
          }
        />
      </Paper>
    </Stack>
  );
}
