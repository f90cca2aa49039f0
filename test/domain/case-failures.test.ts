import { describe, expect, it } from 'vitest';
import { DEFAULT_FAILURE_POLICY, describeFailure, onCaseFailure } from '../../src/domain/case-failures.ts';

const NOW = Date.UTC(2026, 2, 2, 12);
const MINUTE = 60_000;

describe('onCaseFailure', () => {
  it('doubles the wait with each failure and parks the case at the last one', () => {
    const waits = [0, 1, 2, 3].map((previous) => onCaseFailure(previous, NOW, DEFAULT_FAILURE_POLICY));
    expect(waits).toEqual([
      { kind: 'retry', errorCount: 1, retryAt: NOW + MINUTE },
      { kind: 'retry', errorCount: 2, retryAt: NOW + 2 * MINUTE },
      { kind: 'retry', errorCount: 3, retryAt: NOW + 4 * MINUTE },
      { kind: 'retry', errorCount: 4, retryAt: NOW + 8 * MINUTE },
    ]);
    expect(onCaseFailure(4, NOW, DEFAULT_FAILURE_POLICY)).toEqual({ kind: 'park', errorCount: 5 });
  });

  it('never waits longer than the cap', () => {
    const policy = { retryMs: MINUTE, maxRetryMs: 10 * MINUTE, maxFailures: 50 };
    expect(onCaseFailure(3, NOW, policy)).toEqual({
      kind: 'retry',
      errorCount: 4,
      retryAt: NOW + 8 * MINUTE,
    });
    expect(onCaseFailure(4, NOW, policy)).toEqual({
      kind: 'retry',
      errorCount: 5,
      retryAt: NOW + 10 * MINUTE,
    });
    expect(onCaseFailure(40, NOW, policy)).toEqual({
      kind: 'retry',
      errorCount: 41,
      retryAt: NOW + 10 * MINUTE,
    });
  });

  it('retries at once with no base delay, and parks at the first failure when one is allowed', () => {
    expect(onCaseFailure(0, NOW, { retryMs: 0, maxRetryMs: 0, maxFailures: 3 })).toEqual({
      kind: 'retry',
      errorCount: 1,
      retryAt: NOW,
    });
    expect(onCaseFailure(0, NOW, { ...DEFAULT_FAILURE_POLICY, maxFailures: 1 })).toEqual({
      kind: 'park',
      errorCount: 1,
    });
  });
});

describe('describeFailure', () => {
  it('keeps the message on one bounded line, without secrets', () => {
    const error = new Error(
      'charge failed:\n  key sk_live_abc123XYZ rejected by https://user:hunter2@db.example.com/x',
    );
    expect(describeFailure(error)).toBe(
      'charge failed: key sk_*** rejected by https://user:***@db.example.com/x',
    );
    expect(describeFailure(new Error('x'.repeat(2_000)))).toHaveLength(500);
    expect(describeFailure('plain')).toBe('plain');
  });
});
