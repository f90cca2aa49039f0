import { describe, expect, it } from 'vitest';
import { FollowedClock } from '../../src/engine/followed-clock.ts';

/** A source of time that answers from a list, or fails where the list holds an error. */
function source(...answers: (number | Error)[]): () => Promise<number> {
  return async () => {
    const next = answers.shift();
    if (next === undefined) throw new Error('the test asked for more readings than it gave');
    if (next instanceof Error) throw next;
    return next;
  };
}

describe('FollowedClock', () => {
  it('starts at the first reading and answers with the last one until refreshed', async () => {
    const clock = await FollowedClock.follow(source(1_000, 5_000));
    expect(clock.now()).toBe(1_000);
    expect(clock.now()).toBe(1_000);
    await expect(clock.refresh()).resolves.toBe(5_000);
    expect(clock.now()).toBe(5_000);
  });

  it('fails to start when the source cannot be read', async () => {
    await expect(FollowedClock.follow(source(new Error('no such clock')))).rejects.toThrow('no such clock');
  });

  it('never goes backwards, whatever the source says', async () => {
    const clock = await FollowedClock.follow(source(10_000, 4_000, 10_000, 12_000));
    await expect(clock.refresh()).resolves.toBe(10_000);
    expect(clock.now()).toBe(10_000);
    await clock.refresh();
    expect(clock.now()).toBe(10_000);
    await clock.refresh();
    expect(clock.now()).toBe(12_000);
  });

  it('keeps its last time when a refresh fails, and moves on the next one that works', async () => {
    const clock = await FollowedClock.follow(source(1_000, 2_000, new Error('Stripe is down'), 3_000));
    await clock.refresh();
    await expect(clock.refresh()).rejects.toThrow('Stripe is down');
    expect(clock.now()).toBe(2_000);
    await clock.refresh();
    expect(clock.now()).toBe(3_000);
  });

  it('takes a reading that is not a time as a failed one', async () => {
    const clock = await FollowedClock.follow(source(1_000, Number.NaN));
    await expect(clock.refresh()).rejects.toThrow(RangeError);
    expect(clock.now()).toBe(1_000);
    await expect(FollowedClock.follow(source(Number.NaN))).rejects.toThrow(RangeError);
  });
});
