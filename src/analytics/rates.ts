/** Recovered ÷ failed, or null when nothing failed. */
export function recoveryRate(recovered: number, failed: number): number | null {
  return failed > 0 ? recovered / failed : null;
}

/** The median of a sorted list, or null when it is empty. */
export function median(sorted: readonly number[]): number | null {
  if (sorted.length === 0) return null;
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/** A share of a whole, or null when the whole is zero. */
export function share(part: number, whole: number): number | null {
  return whole > 0 ? part / whole : null;
}
