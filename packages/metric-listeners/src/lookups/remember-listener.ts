import { type ChangeEvent, defineListener, readRow, type Token } from '@engagement/plugin-api';
import type { Lookup } from './lookup.js';
import type { ParentTable } from './parent-tables.js';

/**
 * A listener that emits nothing: it stores the related ids of every row of a parent table it sees
 * (created, updated, deleted, snapshot) in that table's lookup, so children created after their parent
 * need no query. Only for immutable relations: a mutable one seen in the stream can be older than the
 * database (deleted parents are answered by the archive, not by memory).
 */
export function rememberListener<V>(id: string, token: Token<Lookup<V>>, parent: ParentTable<V>) {
  if (parent.mutable)
    throw new Error(`${id}: ${parent.table}'s relations are mutable; they are not remembered`);
  const accepts = (e: ChangeEvent) => e.source === 'postgres' && e.table === parent.table;
  const remember = (e: ChangeEvent, lookup: Lookup<V>) => {
    if (!accepts(e)) return;
    const row = e.after ?? e.before;
    if (row === null) return;
    const reader = readRow(row);
    lookup.remember(reader.int('id'), parent.relations(reader));
  };
  return defineListener({
    id,
    tables: [parent.table],
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
