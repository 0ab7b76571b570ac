// The code each pool thread runs: it loads the plugins by module name, builds its own container and
// decoder, and turns batches of records into outcomes, encoding their metric events and (given a metric
// topic) publishing them; it also decodes metric-topic messages for the apply stage and (given a cache)
// applies them to Redis. The ClickHouse store, consuming and offsets stay on the main thread.
import { type MessagePort, workerData } from 'node:worker_threads';
import type { Logger } from '@engagement/plugin-api';
import { createDecoder } from '../events/decode.js';
import type { KafkaRecord } from '../events/kafka-record.js';
import { type MetricColumns, toMetricColumns } from '../metrics/metric-columns.js';
import { decodeMetricMessages } from '../metrics/metric-message.js';
import { type AppliedElsewhere, gatherMessages } from './apply-stage.js';
import { dispatchedMetrics, type EncodedMetrics, encodeMetrics, leaveOutEvents } from './encoded-metrics.js';
import { PluginContainer } from './plugin-container.js';
import { loadPluginModules, loadProvisionsModule } from './plugin-modules.js';
import type { ThreadMetricCache, ThreadMetricTopic } from './ports.js';
import { publishMetricEvents } from './publish-metric-events.js';
import { type Admission, type BatchOutcome, LocalProcessor } from './record-processor.js';
import type { ChangeRef } from './resend-filter.js';
import { validatePlugins } from './validate-plugins.js';
import type {
  AdmissionReply,
  MetricApplyTask,
  MetricDecodeTask,
  PoolLogEntry,
  PoolTask,
  PoolWorkerData,
} from './worker-pool.js';

const setup = workerData as PoolWorkerData;
let logs: PoolLogEntry[] = [];

/** Collects log lines for the main thread, which writes them with its own logger. */
function forwardingLogger(bindings: Record<string, unknown>): Logger {
  const at =
    (level: PoolLogEntry['level']) =>
    (obj: object | string, msg?: string): void => {
      if (level === 'debug') return;
      logs.push({
        level,
        obj: typeof obj === 'string' ? { ...bindings } : { ...bindings, ...obj },
        msg: typeof obj === 'string' ? obj : msg,
      });
    };
  return {
    debug: at('debug'),
    info: at('info'),
    warn: at('warn'),
    error: at('error'),
    child: (more) => forwardingLogger({ ...bindings, ...more }),
  };
}

const ready = (async () => {
  const plugins = await loadPluginModules(setup.pluginModules);
  const provisions = setup.provisionsModule
    ? await loadProvisionsModule(setup.provisionsModule, setup.provisionsData)
    : [];
  const listeners = validatePlugins(
    plugins,
    provisions.map((p) => p.token),
  );
  const container = await PluginContainer.create(plugins, provisions);
  return new LocalProcessor({
    decode: createDecoder(setup.decoder),
    listeners,
    container,
    logger: forwardingLogger({ thread: 'pool' }),
    maxAttempts: setup.maxAttempts,
  });
})();

/**
 * Builds a thread's own sink from the module and settings the pool was given (`PoolWorkerData.metricTopic`,
 * `metricCache`): the module is imported by name and its `exportName(settings, logger)` called. A failed
 * build rejects, and the caller drops the promise to build again on next use.
 */
function buildFromModule<T>(
  spec: { module: string; settings: unknown },
  exportName: string,
  component: string,
): Promise<T> {
  const logger = forwardingLogger({ thread: 'pool', component });
  return import(spec.module).then((m: Record<string, (settings: unknown, logger: Logger) => Promise<T>>) =>
    m[exportName]!(spec.settings, logger),
  );
}

/** This thread's metric-topic writer, built on first use and again after a failed send (see `publish`). */
let metricTopic: Promise<ThreadMetricTopic> | undefined;

/**
 * Sends a batch's messages as the ingest stage's publish would (marked not stored), so Kafka's encoding of
 * them runs here too; true when sent. On failure the batch goes back unpublished and the main thread
 * publishes it (a message this send did write is then on the topic twice: a replay the caches skip).
 */
async function publish(encoded: EncodedMetrics): Promise<boolean> {
  const settings = setup.metricTopic;
  if (!settings) return false;
  metricTopic ??= buildFromModule<ThreadMetricTopic>(settings, 'threadMetricTopic', 'kafkajs');
  const writer = metricTopic;
  try {
    await publishMetricEvents(await writer, undefined, { stored: false, encoded });
    return true;
  } catch (err) {
    forwardingLogger({ thread: 'pool' }).warn({ err }, 'pool.publish.failed');
    if (metricTopic === writer) metricTopic = undefined;
    void writer.then((w) => w.close()).catch(() => {});
    return false;
  }
}

/** Asks the main thread's admission over the task's port and waits for its answer. */
function askOver(port: MessagePort): Admission {
  return async (changes: readonly ChangeRef[]) => {
    const reply = new Promise<AdmissionReply>((resolve) => port.once('message', resolve));
    port.postMessage(changes);
    const answer = await reply;
    if ('failed' in answer) throw new Error(`re-send admission failed: ${answer.failed}`);
    return answer.verdicts;
  };
}

/** Processes one batch. Buffers arrive as Uint8Arrays and are viewed as Buffers again, without copying. */
export default async function processBatch(task: PoolTask): Promise<BatchOutcome & { logs: PoolLogEntry[] }> {
  const processor = await ready;
  const batch: KafkaRecord[] = task.records.map((r) => ({
    ...r,
    key: r.key && Buffer.from(r.key.buffer, r.key.byteOffset, r.key.byteLength),
    value: r.value && Buffer.from(r.value.buffer, r.value.byteOffset, r.value.byteLength),
  }));
  try {
    const outcome = await processor.process(batch, task.admission && askOver(task.admission));
    // The rows' JSON and the metric-topic messages are made here rather than on the main thread, and sent to
    // the metric topic from here when the pool was given one: sink work scales with the pool.
    const metrics = dispatchedMetrics(outcome.outcomes);
    let out = outcome;
    if (metrics.length > 0) {
      const encoded = encodeMetrics(metrics);
      if (await publish(encoded)) encoded.published = true;
      out = leaveOutEvents({ ...outcome, encoded });
    }
    const sent = { ...out, logs };
    logs = [];
    return sent;
  } finally {
    task.admission?.close();
  }
}

/**
 * Decodes metric-topic messages for the apply stage (`WorkerPoolProcessor.decodeMetricMessages`): the same
 * `decodeMetricMessages` the main thread would run, sent back as columns. Needs no plugin, so it does not
 * wait for them to load.
 */
export function decodeMetricRecords(task: MetricDecodeTask): MetricColumns {
  return toMetricColumns(
    task.values.map((v) => decodeMetricMessages(v && Buffer.from(v.buffer, v.byteOffset, v.byteLength))),
  );
}

/** This thread's cache sink, built on first use (and again when building it failed). */
let metricCache: Promise<ThreadMetricCache> | undefined;

function threadCache(): Promise<ThreadMetricCache> {
  const settings = setup.metricCache;
  if (!settings) return Promise.reject(new Error('this pool was given no cache to apply to'));
  metricCache ??= buildFromModule<ThreadMetricCache>(settings, 'threadMetricCache', 'redis').catch(
    (error: unknown) => {
      metricCache = undefined;
      throw error;
    },
  );
  return metricCache;
}

/**
 * Decodes metric-topic messages and applies them to the cache with this thread's own sink
 * (`WorkerPoolProcessor.applyMetricRecords`): what the apply stage does with a batch on the main thread,
 * up to the dead letters and the search queue, which it leaves to the stage. A failure goes back to the
 * main thread, which applies the batch itself (what this thread's scripts did apply is skipped there by
 * the watermarks).
 */
export async function applyMetricRecords(
  task: MetricApplyTask,
): Promise<AppliedElsewhere & { logs: PoolLogEntry[] }> {
  const messages = task.values.map((v) =>
    decodeMetricMessages(v && Buffer.from(v.buffer, v.byteOffset, v.byteLength)),
  );
  const { events, stored, invalid } = gatherMessages(messages, (i) => task.notStored[i]!);
  const result =
    events.length > 0 || task.position ? await (await threadCache()).apply(events, task.position) : undefined;
  const out = {
    ...(result ? { result } : {}),
    invalid,
    stored: task.search ? stored.map(({ entityType, entityId }) => ({ entityType, entityId })) : [],
    logs,
  };
  logs = [];
  return out;
}
