import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type PendingStep, chooseDueStep } from '../../src/domain/due-steps.ts';

const DAY = 86_400_000;
const DUE_DATE = Date.UTC(2026, 2, 16);

/** A case's pending steps as the engine loads them: by due time, then position; each id once. */
const pendingSteps = fc
  .array(
    fc.record({
      action: fc.constantFrom('remind', 'remind', 'retry', 'webhook', 'escalate'),
      offsetDays: fc.integer({ min: -10, max: 40 }),
      deferredBy: fc.constantFrom(0, 0, 0.3 * DAY, 2 * DAY),
    }),
    { maxLength: 8 },
  )
  .map((specs) =>
    specs
      .map(
        (s, position): PendingStep => ({
          stepId: `s${position}`,
          action: s.action,
          dueAt: DUE_DATE + s.offsetDays * DAY + s.deferredBy,
          beforeDue: s.offsetDays < 0,
        }),
      )
      .sort((a, b) => a.dueAt - b.dueAt),
  );
const nows = fc.integer({ min: DUE_DATE - 12 * DAY, max: DUE_DATE + 45 * DAY });

describe('chooseDueStep: reminders that fall due together', () => {
  it('sends only the latest due reminder that still applies, and passes over only reminders', () => {
    fc.assert(
      fc.property(pendingSteps, nows, (pending, now) => {
        const { run, passedOver } = chooseDueStep(pending, now, DUE_DATE);
        const passed = new Set(passedOver.map((p) => p.step));
        const left = pending.filter((s) => !passed.has(s));
        const dueReminders = pending.filter((s) => s.action === 'remind' && s.dueAt <= now);
        const dueLeft = left.filter((s) => s.action === 'remind' && s.dueAt <= now);
        // Charges, webhooks and escalations keep their own rules; steps not yet due are untouched.
        for (const p of passedOver) expect(p.step.action).toBe('remind');
        for (const p of passedOver) expect(p.step.dueAt).toBeLessThanOrEqual(now);
        // At most one due reminder is left to send: the latest of those that still apply.
        expect(dueLeft.length).toBeLessThanOrEqual(1);
        const applicable = dueReminders.filter((s) => !(now >= DUE_DATE && s.beforeDue));
        expect(dueLeft[0]).toBe(applicable.at(-1));
        // Never a "due soon" after the due date.
        if (now >= DUE_DATE) expect(dueLeft.every((s) => !s.beforeDue)).toBe(true);
        // Each passed-over reminder names the one that superseded it, or none when none applies.
        for (const p of passedOver) expect(p.by).toBe(dueLeft[0]?.stepId ?? null);
        // The step worked now is the earliest due step left, as before; else the next pending one.
        expect(run).toBe(left.find((s) => s.dueAt <= now) ?? left[0] ?? null);
      }),
      { numRuns: 2000 },
    );
  });

  it('changes nothing while at most one reminder is due and it still applies', () => {
    fc.assert(
      fc.property(pendingSteps, nows, (pending, now) => {
        const due = pending.filter((s) => s.action === 'remind' && s.dueAt <= now);
        fc.pre(due.length <= 1 && !(now >= DUE_DATE && due[0]?.beforeDue));
        expect(chooseDueStep(pending, now, DUE_DATE)).toEqual({
          run: pending.find((s) => s.dueAt <= now) ?? pending[0] ?? null,
          passedOver: [],
        });
      }),
    );
  });

  it('supersedes "due soon" by "due today" two days after the due date, and skips a lone late "due soon"', () => {
    const soon = { stepId: 'upcoming', action: 'remind', dueAt: DUE_DATE - 3 * DAY, beforeDue: true };
    const today = { stepId: 'due-today', action: 'remind', dueAt: DUE_DATE, beforeDue: false };
    const later = { stepId: 'overdue-7', action: 'remind', dueAt: DUE_DATE + 7 * DAY, beforeDue: false };
    expect(chooseDueStep([soon, today, later], DUE_DATE + 2 * DAY, DUE_DATE)).toEqual({
      run: today,
      passedOver: [
        {
          step: soon,
          by: 'due-today',
          rule: 'superseded by step due-today: only the latest of the reminders due at once is sent',
        },
      ],
    });
    expect(chooseDueStep([soon, later], DUE_DATE + DAY, DUE_DATE)).toEqual({
      run: later,
      passedOver: [
        { step: soon, by: null, rule: 'a reminder meant for before the due date is not sent after it' },
      ],
    });
    expect(chooseDueStep([soon], DUE_DATE + DAY, DUE_DATE)).toMatchObject({ run: null });
    expect(chooseDueStep([soon, today], DUE_DATE - DAY, DUE_DATE)).toEqual({ run: soon, passedOver: [] });
  });
});
