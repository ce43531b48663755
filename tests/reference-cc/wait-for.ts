/**
 * Waiting for a condition instead of sleeping: polls every 10 ms until it holds.
 * @module
 */

/**
 * Resolves with the first truthy value of `probe`, polled every 10 ms; rejects after
 * `timeoutMs` with `Error('Timed out after 5000 ms waiting for <description>')`.
 *
 * @example
 * const completion = await waitFor(() => state.completions.find((c) => c.order_id === id));
 */
export async function waitFor<T>(
  probe: () => T,
  timeoutMs = 5000,
  description = "condition",
): Promise<NonNullable<T>> {
  const deadline = performance.now() + timeoutMs;
  for (;;) {
    const value = probe();
    if (value) return value as NonNullable<T>;
    if (performance.now() >= deadline) throw new Error(`Timed out after ${timeoutMs} ms waiting for ${description}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}
