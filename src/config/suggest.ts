/**
 * "Did you mean" for misspelt config keys.
 * @module
 */

/**
 * The candidate nearest to `word` by edit distance (case ignored), if within `maxDistance`.
 * Ties go to the earlier candidate, so the documented key order decides.
 *
 * @example
 * closest("poll_intervall", ["site_id", "poll_interval"]); // "poll_interval"
 */
export function closest(word: string, candidates: readonly string[], maxDistance = 3): string | undefined {
  let best: string | undefined;
  let bestDistance = maxDistance + 1;
  for (const candidate of candidates) {
    const d = editDistance(word.toLowerCase(), candidate.toLowerCase());
    if (d < bestDistance) [best, bestDistance] = [candidate, d];
  }
  return best;
}

// Levenshtein distance with one rolling row: keys are short, so O(n·m) is nothing.
function editDistance(a: string, b: string): number {
  let row = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const next = [i];
    for (let j = 1; j <= b.length; j++) {
      const substitution = row[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1);
      next.push(Math.min(row[j]! + 1, next[j - 1]! + 1, substitution));
    }
    row = next;
  }
  return row[b.length]!;
}
