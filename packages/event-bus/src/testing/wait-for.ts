/**
 * Polls `probe` every 250 ms until `accept` likes its value (a probe that throws is tried again); fails
 * naming `what`, with the last value and error, after `timeoutMs`. For integration tests on real parts.
 */
export async function waitFor<T>(
  probe: () => Promise<T>,
  accept: (v: T) => boolean,
  timeoutMs = 60_000,
  what = 'condition',
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: T | undefined;
  let lastError: unknown;
  for (;;) {
    try {
      last = await probe();
      if (accept(last)) return last;
    } catch (error) {
      lastError = error;
    }
    if (Date.now() > deadline) {
      throw new Error(
        `timed out waiting for ${what}; last value: ${JSON.stringify(last)} ${lastError ?? ''}`,
      );
    }
    await new Promise((r) => setTimeout(r, 250));
  }
}
