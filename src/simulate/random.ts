/** A seeded source of randomness: the same seed always gives the same sequence, so a simulation can be replayed. */
export interface Random {
  /** A float in [0, 1). */
  next(): number;
  /** A whole number in [min, max], both included. */
  int(min: number, max: number): number;
  /** True with probability `p`. */
  chance(p: number): boolean;
  /** One element of a non-empty list, uniformly. */
  pick<T>(items: readonly T[]): T;
  /** One element of a non-empty list, with probability proportional to `weightOf`. */
  weighted<T>(items: readonly T[], weightOf: (item: T) => number): T;
}

/** Mulberry32: tiny, fast and well distributed for simulations (not for anything secret). */
export function createRandom(seed: number): Random {
  let state = seed >>> 0;
  const next = (): number => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
  return {
    next,
    int: (min, max) => min + Math.floor(next() * (max - min + 1)),
    chance: (p) => next() < p,
    pick: (items) => {
      if (items.length === 0) throw new RangeError('cannot pick from an empty list');
      return items[Math.floor(next() * items.length)]!;
    },
    weighted: (items, weightOf) => {
      const total = items.reduce((sum, item) => sum + weightOf(item), 0);
      if (!(total > 0)) throw new RangeError('weights must add up to more than zero');
      let roll = next() * total;
      for (const item of items) {
        roll -= weightOf(item);
        if (roll < 0) return item;
      }
      return items[items.length - 1]!;
    },
  };
}

/**
 * A generator for one named stream under a seed, e.g. randomFor(42, 'reply', customerId, stepId). Deriving a
 * stream per decision keeps each outcome independent of the order in which the simulation happens to ask.
 */
export function randomFor(seed: number, ...labels: readonly string[]): Random {
  // FNV-1a over the seed and labels; collisions only correlate two streams, they never break determinism.
  let hash = 0x811c9dc5 ^ (seed >>> 0);
  for (const char of `${seed}\u0000${labels.join('\u0000')}`) {
    hash = Math.imul(hash ^ char.charCodeAt(0), 0x01000193) >>> 0;
  }
  return createRandom(hash);
}
