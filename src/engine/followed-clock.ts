import type { Clock } from './clock.ts';

/**
 * A clock that follows another source of time, such as a Stripe test clock: `now()` answers at once with the last
 * time read, and `refresh()` reads the source again. It never goes backwards, so a step done at one instant is
 * never followed by one done earlier, whatever the source says.
 */
export class FollowedClock implements Clock {
  private constructor(
    private readonly read: () => Promise<number>,
    private current: number,
  ) {}

  /** Reads the source once and starts there; a source that cannot be read fails here, before anything runs. */
  static async follow(read: () => Promise<number>): Promise<FollowedClock> {
    return new FollowedClock(read, checked(await read()));
  }

  now(): number {
    return this.current;
  }

  /**
   * Reads the source again and moves to its time if that is later; returns the clock's time. When the read fails
   * the clock keeps its last time and the error is thrown for the caller to report.
   */
  async refresh(): Promise<number> {
    const at = checked(await this.read());
    if (at > this.current) this.current = at;
    return this.current;
  }
}

function checked(at: number): number {
  if (!Number.isFinite(at)) throw new RangeError(`a followed clock read ${at}, which is not a time`);
  return at;
}
