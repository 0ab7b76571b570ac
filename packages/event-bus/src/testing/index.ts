/**
 * Test kit for listener authors: event builders that go through the real decoder, in-memory sinks with
 * the production semantics, `runListener`, `expectRowLifecycle` and `startTestHost`, and `startGroupAtEnd`
 * and `waitFor` for integration tests on a shared Kafka. Runner-agnostic: no spies inside.
 */
export {
  FAKE_COMMIT_TIME,
  FAKE_TOPIC_PREFIX,
  type FakeChange,
  fakeEvent,
  type TableChanges,
} from './fake-events.js';
export { startGroupAtEnd } from './group-at-end.js';
export { InMemoryDeadLetters } from './in-memory-dead-letters.js';
export { InMemoryFirstSeen } from './in-memory-first-seen.js';
export { InMemoryMetricCache } from './in-memory-metric-cache.js';
export { InMemoryMetricStore } from './in-memory-metric-store.js';
export { InMemoryMetricTopic } from './in-memory-metric-topic.js';
export { type InMemoryAdapters, inMemoryPorts } from './in-memory-ports.js';
export { InMemoryRecordSource } from './in-memory-record-source.js';
export { netTotals } from './net-totals.js';
export {
  expectRowLifecycle,
  type ParentMove,
  type RowLifecycle,
  type RowLifecycleEvents,
} from './row-lifecycle.js';
export { runListener, runListenerOutput } from './run-listener.js';
export { override, startTestHost, type TestHost, type TestHostOptions } from './test-host.js';
export { waitFor } from './wait-for.js';
