import { describe, expect, it } from 'vitest';
import { createInstrumentation, type InstrumentationEvent } from '../runtime/instrumentation.js';
import { pipelineReports } from './pipeline-reports.js';
import type { PipelineSink, SinkAttemptOutcome } from './stats.js';

describe('pipelineReports', () => {
  it('sends each event once to the stats and once to the channel; batches and letters to the observer too', () => {
    const channel = createInstrumentation();
    const events: InstrumentationEvent[] = [];
    channel.subscribe((e) => events.push(e));
    const observed: string[] = [];
    const reports = pipelineReports(
      {
        sinkBatch: (sink, rows) => observed.push(`batch:${sink}:${rows}`),
        deadLetter: (reason) => observed.push(`letter:${reason.listenerId}`),
      },
      channel,
    );
    reports.emit({ type: 'sink.clickhouse.stored', rows: 4 });
    reports.sinkBatch('clickhouse', 4, 0.5);
    reports.deadLetter({ code: 'EB_LISTENER_FAILED', message: 'x', listenerId: 'a' }, {} as never);
    expect(events).toEqual([
      { type: 'sink.clickhouse.stored', rows: 4 },
      { type: 'sink.batch', sink: 'clickhouse', rows: 4, seconds: 0.5 },
      { type: 'dead_letter.written', code: 'EB_LISTENER_FAILED', listenerId: 'a' },
    ]);
    expect(observed).toEqual(['batch:clickhouse:4', 'letter:a']);
    expect(reports.stats).toMatchObject({
      metricEventsStored: 4,
      flushes: 1,
      lastFlushSeconds: 0.5,
      deadLetters: 1,
    });
  });

  it('keeps its stats without a channel or an observer', () => {
    const reports = pipelineReports();
    reports.emit({ type: 'ingest.resend.skipped' });
    reports.deadLetter({ code: 'EB_DECODE_INVALID_JSON', message: 'x' }, {} as never);
    expect(reports.stats).toMatchObject({ resendsSkipped: 1, deadLetters: 1 });
  });

  it('hands what a subscriber throws to onError, never to the write that emitted', () => {
    const channel = createInstrumentation();
    channel.subscribe(() => {
      throw new Error('counter broke');
    });
    const errors: string[] = [];
    const reports = pipelineReports({}, channel, (error, event) =>
      errors.push(`${event.type}: ${(error as Error).message}`),
    );
    expect(() => reports.emit({ type: 'sink.clickhouse.stored', rows: 2 })).not.toThrow();
    expect(errors).toEqual(['sink.clickhouse.stored: counter broke']);
    expect(reports.stats.metricEventsStored).toBe(2);
  });

  it('reports each sink attempt, ok or failed, and passes the failure on', async () => {
    const attempts: [PipelineSink | 'kafka', SinkAttemptOutcome['ok']][] = [];
    const reports = pipelineReports({ sinkAttempt: (sink, outcome) => attempts.push([sink, outcome.ok]) });
    expect(await reports.attempt('redis', 2, async () => 'done')).toBe('done');
    const boom = new Error('down');
    await expect(
      reports.attempt('kafka', 2, async () => {
        throw boom;
      }),
    ).rejects.toBe(boom);
    expect(attempts).toEqual([
      ['redis', true],
      ['kafka', false],
    ]);
  });
});
