/** How long after its source backlog ended a host counts as live. */
export const LIVE_AFTER_MS = 5_000;

/**
 * Whether a host is at the head of its sources (live) or working through a backlog: the owned source
 * partitions whose last batch left records behind it, and when the last of them caught up. Live means none
 * behind, for `liveAfterMs` already: a backlog's fetches come with gaps between them, and its last metric
 * batches are read after its sources reached their ends; both still count as the backlog's.
 */
export class SourceBacklog {
  private readonly behind = new Set<string>();
  /** When the last partition behind caught up, epoch ms (0: none was ever behind). */
  private caughtUpAt = 0;

  constructor(
    private readonly liveAfterMs = LIVE_AFTER_MS,
    private readonly now: () => number = Date.now,
  ) {}

  /** A source partition's batch (`topic:partition`), and whether it left records behind it. */
  batch(key: string, leftBehind: boolean): void {
    if (leftBehind) this.behind.add(key);
    else this.caughtUp(key);
  }

  /** After a rebalance: a partition this member no longer owns is no longer behind here. */
  keepOnly(owned: ReadonlySet<string>): void {
    for (const key of this.behind) if (!owned.has(key)) this.caughtUp(key);
  }

  get live(): boolean {
    return this.behind.size === 0 && this.now() - this.caughtUpAt >= this.liveAfterMs;
  }

  private caughtUp(key: string): void {
    if (this.behind.delete(key) && this.behind.size === 0) this.caughtUpAt = this.now();
  }
}
