/** Where the engine's "now" comes from: the system clock in production, a virtual one in tests and simulations. */
export interface Clock {
  now(): number;
}

/** The real time. */
export const systemClock: Clock = { now: () => Date.now() };

/** A clock that stands still until moved: `tick --now` and the simulator drive the engine with one. */
export class VirtualClock implements Clock {
  constructor(private current: number) {}

  now(): number {
    return this.current;
  }

  /** Moves the clock to `at`; it never goes backwards. */
  set(at: number): void {
    if (at < this.current) throw new RangeError('the virtual clock cannot go backwards');
    this.current = at;
  }
}
