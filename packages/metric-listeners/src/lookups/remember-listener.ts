import { type ChangeEvent, defineListener, type RowReader, readRow, type Token } from '@engagement/event-bus';
import type { Lookup } from './lookup.js';

/**
 * A listener that emits nothing: it stores the related ids of every row of a parent table it sees
 * (created, updated, deleted, snapshot) in that table's lookup. Children created after their parent
 * then need no query, and children deleted with their parent still find where they were counted.
 */
export function rememberListener<V>(
  id: string,
  table: string,
  token: Token<Lookup<V>>,
  relationsOf: (row: RowReader) => V,
) {
  const accepts = (e: ChangeEvent) => e.source === 'postgres' && e.table === table;
  const remember = (e: ChangeEvent, lookup: Lookup<V>) => {
    if (!accepts(e)) return;
    const row = e.after ?? e.before;
    if (row === null) return;
    const reader = readRow(row);
    lookup.remember(reader.int('id'), relationsOf(reader));
  };
  return defineListener({
    id,
    tables: [table],
    deps: { lookup: token },
    canHandle: accepts,
    // It emits no metrics: nothing to reconcile.
    truth: [],
    // Remembering at prefetch time, before the batch's children are looked up, spares their queries.
    async prefetch(events, { lookup }) {
      for (const e of events) remember(e, lookup);
    },
    handle(e, { lookup }) {
      remember(e, lookup);
    },
  });
}
