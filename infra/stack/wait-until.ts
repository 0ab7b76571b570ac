export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Polls `probe` every 300 ms until it gives a value; throws once `timeoutMs` passed without one. */
export async function waitUntil<T>(
  what: string,
  probe: () => Promise<T | undefined>,
  timeoutMs = 90_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(300);
  }
}
