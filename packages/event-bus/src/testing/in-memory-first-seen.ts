import type { FirstSeenStore } from '../runtime/resend-filter.js';

/** First positions of id-keyed changes in a map (`RedisFirstSeenStore` without Redis, and without expiry). */
export class InMemoryFirstSeen implements FirstSeenStore {
  /** `<topic>|<changeId>` → where the change was first seen (`<partition>:<offset>`). */
  readonly entries = new Map<string, string>();

  async claim(topic: string, changes: readonly { id: string; at: string }[]): Promise<string[]> {
    return changes.map(({ id, at }) => {
      const key = `${topic}|${id}`;
      const first = this.entries.get(key);
      if (first !== undefined) return first;
      this.entries.set(key, at);
      return at;
    });
  }
}
