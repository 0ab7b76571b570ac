import {
  defineListener,
  definePlugin,
  MAX_EVENTS_PER_CHANGE,
  type MetricInput,
  silentLogger,
} from '@engagement/plugin-api';
import { describe, expect, it, vi } from 'vitest';
import { reactionCounter } from '../../test/sample-plugin.js';
import { DecodeError } from '../errors.js';
import { fakeEvent } from '../testing/fake-events.js';
import { Dispatcher } from './dispatcher.js';
import { PluginContainer } from './plugin-container.js';
import { validatePlugins } from './validate-plugins.js';

/** A listener of image reactions that emits what the test gives it. */
function emitting(id: string, output: () => MetricInput[]) {
  return defineListener({
    id,
    tables: ['ImageReaction'],
    canHandle: (e) => e.table === 'ImageReaction',
    handle(_e, { metrics }) {
      for (const m of output()) metrics.add(m);
    },
  });
}

/** A listener of image reactions that throws what the test gives it, counting its calls. */
function throwing(id: string, error: () => unknown) {
  const listener = defineListener({
    id,
    tables: ['ImageReaction'],
    canHandle: (e) => e.table === 'ImageReaction',
    handle() {
      calls[id] = (calls[id] ?? 0) + 1;
      throw error();
    },
  });
  return listener as unknown as ReturnType<typeof emitting>;
}

/** Listener id → how many times `handle` ran. */
let calls: Record<string, number> = {};

/** Listener id → outcomes reported to `onListenerRun`, in order. */
let runs: Record<string, string[]>;

async function dispatcherOf(listeners: ReturnType<typeof emitting>[]) {
  const plugin = definePlugin({ id: 'dispatch-test', owner: '@team/platform', listeners });
  runs = {};
  return new Dispatcher(validatePlugins([plugin], []), await PluginContainer.create([plugin], []), {
    logger: silentLogger,
    maxAttempts: 3,
    retryBaseMs: 1,
    retryMaxMs: 2,
    onListenerRun: (id, outcome) => {
      runs[id] = [...(runs[id] ?? []), outcome];
    },
  });
}

const change = fakeEvent
  .postgres('ImageReaction')
  .created({ id: 7, imageId: 100, userId: 9, reaction: 'Like' });
const valid: MetricInput = { entityType: 'Image', entityId: 100, metricType: 'likeCount', metricValue: 1 };

describe('Dispatcher', () => {
  it('stamps every metric event with the source transaction of its change (none for ClickHouse rows)', async () => {
    const dispatcher = await dispatcherOf([reactionCounter]);
    const fromPostgres = await dispatcher.dispatch(change.event);
    expect(change.event.sourceTx).toEqual(expect.any(Number));
    expect(fromPostgres.metrics.length).toBeGreaterThan(0);
    expect(fromPostgres.metrics.every((m) => m.sourceTx === change.event.sourceTx)).toBe(true);
    const { sourceTx: _, ...withoutTx } = change.event;
    const fromClickHouse = await dispatcher.dispatch(withoutTx);
    expect(fromClickHouse.metrics.every((m) => !('sourceTx' in m))).toBe(true);
  });

  it('numbers a change’s events in emission order across listeners, from offset × MAX_EVENTS_PER_CHANGE', async () => {
    const dispatcher = await dispatcherOf([
      emitting('two', () => [valid, valid]),
      throwing('fails', () => new DecodeError('EB_DECODE_BAD_VALUE', 'bad')),
      emitting('one', () => [{ ...valid, metricType: 'last' }]),
    ]);
    const event = { ...change.event, position: { ...change.event.position, offset: '7' } };
    const result = await dispatcher.dispatch(event);
    const base = 7 * MAX_EVENTS_PER_CHANGE;
    // No gap for the failed listener: the origin's sequence stays dense within the change.
    expect(result.metrics.map((m) => m.originSeq)).toEqual([base, base + 1, base + 2]);
    expect(result.metrics.map((m) => m.origin)).toEqual(
      Array(3).fill(`${event.position.topic}:${event.position.partition}`),
    );
    expect(result.metrics.at(-1)?.metricType).toBe('last');
    // Ids depend on the listener and its own index, not on the sequence.
    expect(new Set(result.metrics.map((m) => m.eventId)).size).toBe(3);
  });

  it.each([
    ['a fractional entity id', { ...valid, entityId: 1.5 }, /has a non-integer entity id \(1\.5\)$/],
    ['a fractional value', { ...valid, metricValue: 0.5 }, /has a non-integer value \(0\.5\)$/],
    [
      'a fractional entity id and value',
      { ...valid, entityId: 1.5, metricValue: 0.5 },
      /has a non-integer entity id \(1\.5\) and value \(0\.5\)$/,
    ],
    ['an entity id beyond 2^53', { ...valid, entityId: 2 ** 60 }, /non-integer entity id/],
    ['an entity id given as text', { ...valid, entityId: '7' as unknown as number }, /entity id \("7"\)/],
    ['a NaN value', { ...valid, metricValue: Number.NaN }, /value \(NaN\)/],
    ['a fractional user id', { ...valid, userId: 0.5 }, /non-integer user id/],
    ['an empty metric type', { ...valid, metricType: '' }, /without an entity type or metric type/],
    ['an invalid date', { ...valid, createdAt: new Date('not a date') }, /invalid createdAt/],
    // A ":" would write into another metric's window in the cache (likeCount's week is `likeCount:week`).
    ['a metric type naming a window field', { ...valid, metricType: 'likeCount:week' }, /contains ":"/],
    ['a metric type naming a bookkeeping field', { ...valid, metricType: '~at' }, /starts with "~"/],
    ['an entity type with a ":"', { ...valid, entityType: 'Model:Version' }, /"Model:Version" contains ":"/],
  ])('makes %s the emitting listener’s failure, keeping the other listeners’ events', async (_, bad, why) => {
    const dispatcher = await dispatcherOf([emitting('bad', () => [valid, bad]), reactionCounter]);
    const result = await dispatcher.dispatch(change.event);
    expect(result.failures).toHaveLength(1);
    expect(result.failures[0]).toMatchObject({ listenerId: 'bad', attempts: 1 });
    expect(String(result.failures[0]?.error.cause)).toMatch(why);
    // None of the failing listener's events count, not even its valid one; the other listener's do.
    expect(result.metrics.map((m) => m.metricType)).toEqual(['likeCount', 'reactionCount', 'reactionCount']);
    expect(result.metrics.every((m) => m.eventId && m.originSeq >= 0)).toBe(true);
    // Invalid output is not retried, and the run counts as failed, not as handled.
    expect(runs).toEqual({ bad: ['failed'], 'sample.reactions': ['ok'] });
  });

  it.each([
    ['a metric named with a ","', 'Post', ['likeCount,commentCount'], /contains ":" or ","/],
    ['an entity type with a ":"', 'Post:Comment', undefined, /"Post:Comment" contains ":"/],
  ])('makes a touch of %s its listener’s failure', async (_, entityType, only, why) => {
    const toucher = defineListener({
      id: 'toucher',
      tables: ['ImageReaction'],
      canHandle: (e) => e.table === 'ImageReaction',
      handle: (_e, { metrics }) => metrics.touch(entityType, 7, only),
    });
    const dispatcher = await dispatcherOf([toucher as unknown as ReturnType<typeof emitting>]);
    const result = await dispatcher.dispatch(change.event);
    expect(result.touches).toEqual([]);
    expect(result.failures.map((f) => [f.listenerId, String(f.error.cause)])).toEqual([
      ['toucher', expect.stringMatching(why)],
    ]);
  });

  it('fails a listener at once on a non-retriable error: one failure, one attempt', async () => {
    calls = {};
    const dispatcher = await dispatcherOf([
      throwing(
        'bad-column',
        () => new DecodeError('EB_DECODE_BAD_VALUE', 'column "reaction": expected a string'),
      ),
      reactionCounter,
    ]);
    const result = await dispatcher.dispatch(change.event);
    expect(result.failures).toHaveLength(1);
    expect(result.failures[0]).toMatchObject({ listenerId: 'bad-column', attempts: 1 });
    expect(result.failures[0]?.error).toMatchObject({ code: 'EB_LISTENER_FAILED', retriable: false });
    expect(calls).toEqual({ 'bad-column': 1 });
    expect(runs['bad-column']).toEqual(['failed']);
    expect(result.metrics.map((m) => m.metricType)).toEqual(['likeCount', 'reactionCount', 'reactionCount']);
  });

  it('also fails at once when the non-retriable error is a cause of what the listener threw', async () => {
    calls = {};
    const wrapped = () =>
      new Error('lookup gave up', { cause: Object.assign(new Error('unknown kind'), { retriable: false }) });
    const dispatcher = await dispatcherOf([throwing('wrapped', wrapped)]);
    const result = await dispatcher.dispatch(change.event);
    expect(result.failures.map((f) => [f.listenerId, f.attempts])).toEqual([['wrapped', 1]]);
    expect(calls).toEqual({ wrapped: 1 });
  });

  it('retries a retriable (or unflagged) error up to maxAttempts before it fails', async () => {
    calls = {};
    const dispatcher = await dispatcherOf([
      throwing('flaky', () => Object.assign(new Error('parent row not there yet'), { retriable: true })),
      throwing('unknown', () => new Error('ECONNRESET')),
    ]);
    const result = await dispatcher.dispatch(change.event);
    expect(result.failures.map((f) => [f.listenerId, f.attempts])).toEqual([
      ['flaky', 3],
      ['unknown', 3],
    ]);
    expect(calls).toEqual({ flaky: 3, unknown: 3 });
    expect(runs.flaky).toEqual(['retry', 'retry', 'failed']);
  });

  it('returns at once when every listener is synchronous, a promise when one is not; same events either way', async () => {
    const later = defineListener({
      id: 'async',
      tables: ['ImageReaction'],
      canHandle: (e) => e.table === 'ImageReaction',
      async handle(_e, { metrics }) {
        await new Promise((resolve) => setTimeout(resolve, 1));
        metrics.add({ ...valid, metricType: 'fromAsync' });
      },
    });
    const sync = await dispatcherOf([emitting('first', () => [valid]), emitting('last', () => [valid])]);
    const direct = sync.dispatch(change.event);
    expect(direct).not.toBeInstanceOf(Promise);
    const mixed = await dispatcherOf([
      emitting('first', () => [valid]),
      later as unknown as ReturnType<typeof emitting>,
      emitting('last', () => [{ ...valid, metricType: 'last' }]),
    ]);
    const pending = mixed.dispatch(change.event);
    expect(pending).toBeInstanceOf(Promise);
    const result = await pending;
    // The asynchronous listener's event keeps its place: sequence numbers follow the listeners' order.
    expect(result.metrics.map((m) => m.metricType)).toEqual(['likeCount', 'fromAsync', 'last']);
    const base = Number(change.event.position.offset) * MAX_EVENTS_PER_CHANGE;
    expect(result.metrics.map((m) => m.originSeq)).toEqual([base, base + 1, base + 2]);
    expect(runs).toEqual({ first: ['ok'], async: ['ok'], last: ['ok'] });
  });

  it('keeps the output of concurrent dispatches apart (partitions are dispatched concurrently)', async () => {
    // Each run waits for its own gate before it emits; the gates open in the reverse order.
    const gates = new Map<string, () => void>();
    const gated = defineListener({
      id: 'gated',
      tables: ['ImageReaction'],
      canHandle: (e) => e.table === 'ImageReaction',
      async handle(e, { metrics }) {
        metrics.add({ ...valid, metricType: `before-${e.position.offset}` });
        await new Promise<void>((resolve) => gates.set(e.position.offset, resolve));
        metrics.add({ ...valid, metricType: `after-${e.position.offset}` });
      },
    });
    const dispatcher = await dispatcherOf([gated as unknown as ReturnType<typeof emitting>]);
    const at = (offset: string) => ({ ...change.event, position: { ...change.event.position, offset } });
    const first = dispatcher.dispatch(at('1'));
    const second = dispatcher.dispatch(at('2'));
    await vi.waitFor(() => expect(gates.size).toBe(2));
    gates.get('2')!();
    gates.get('1')!();
    const [one, two] = await Promise.all([first, second]);
    expect(one.metrics.map((m) => m.metricType)).toEqual(['before-1', 'after-1']);
    expect(two.metrics.map((m) => m.metricType)).toEqual(['before-2', 'after-2']);
    expect(two.metrics.map((m) => m.originSeq)).toEqual([
      2 * MAX_EVENTS_PER_CHANGE,
      2 * MAX_EVENTS_PER_CHANGE + 1,
    ]);
  });

  it('ignores, with a warning, what a listener emits after its handle() ended (it never joins a later change)', async () => {
    let stray: (() => void) | undefined;
    const leaky = defineListener({
      id: 'leaky',
      tables: ['ImageReaction'],
      canHandle: (e) => e.table === 'ImageReaction',
      handle(_e, { metrics }) {
        metrics.add(valid);
        // A listener that forgot to await its own work: this add runs after handle() returned.
        stray = () => metrics.add({ ...valid, metricType: 'stray' });
      },
    });
    const warnings: string[] = [];
    const logger = { ...silentLogger, warn: (_: unknown, msg?: string) => void warnings.push(String(msg)) };
    logger.child = () => logger;
    const plugin = definePlugin({ id: 'leak-test', owner: '@team/platform', listeners: [leaky] });
    const dispatcher = new Dispatcher(
      validatePlugins([plugin], []),
      await PluginContainer.create([plugin], []),
      {
        logger,
      },
    );
    const first = await dispatcher.dispatch(change.event);
    stray?.();
    const second = await dispatcher.dispatch(change.event);
    expect(first.metrics.map((m) => m.metricType)).toEqual(['likeCount']);
    expect(second.metrics.map((m) => m.metricType)).toEqual(['likeCount']);
    expect(warnings).toEqual(['listener emitted after its handle() ended; ignored']);
  });

  it('fails a listener whose events would take the change past the per-change limit', async () => {
    const many = Array.from({ length: 999 }, () => valid);
    const dispatcher = await dispatcherOf([
      emitting('first', () => many),
      emitting('second', () => [valid, valid]),
    ]);
    const result = await dispatcher.dispatch(change.event);
    expect(result.metrics).toHaveLength(999);
    expect(result.failures.map((f) => [f.listenerId, String(f.error.cause)])).toEqual([
      ['second', 'RangeError: 1001 metric events for one change (max 1000)'],
    ]);
  });
});
