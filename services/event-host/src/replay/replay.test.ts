import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { runCliCaptured } from '../../test/run-cli-captured.js';

const fixture = (name: string) => fileURLToPath(new URL(`./__fixtures__/${name}`, import.meta.url));

const replay = (file: string, extraEnv: Record<string, string> = {}) =>
  runCliCaptured(['replay', '--dry-run', file], {
    EVENT_HOST_PLUGINS: '@engagement/metric-listeners',
    // The sample carries the parent rows its listeners look up (two ModelVersion changes; a version's model
    // never changes, so its change is remembered) and no query is needed for them; the one resource whose
    // version is not in the file needs a query, which this closed port fails.
    EVENT_HOST_POSTGRES_URL: 'postgres://127.0.0.1:1/none',
    EVENT_HOST_LISTENER_MAX_ATTEMPTS: '2',
    ...extraEnv,
  });

// The first run imports the listener package and its dependencies (a few seconds under load): more than
// vitest's default 5 s per test once the machine is busy.
describe('event-host replay --dry-run', { timeout: 30_000 }, () => {
  it('prints the metric events of the committed sample file, exactly', async () => {
    const out = await replay(fixture('sample.jsonl'));
    expect(out.stdout).toBe(readFileSync(fixture('sample.expected.jsonl'), 'utf8'));
    // Creates add, the update moves image 501 from version 301 (model 201) to 302 (model 202), the delete
    // takes image 502 back. A model's imageCount counts distinct images: no deltas, its models are touched
    // for recompute instead (on stderr, below).
    const totals: Record<string, number> = {};
    for (const line of out.stdout.trim().split('\n')) {
      const e = JSON.parse(line);
      totals[`${e.entityType}:${e.entityId}:${e.metricType}`] =
        (totals[`${e.entityType}:${e.entityId}:${e.metricType}`] ?? 0) + e.metricValue;
    }
    expect(totals).toEqual({ 'ModelVersion:301:imageCount': 0, 'ModelVersion:302:imageCount': 1 });
  });

  it('lists the entities touched for recompute on stderr, once per entity', async () => {
    const out = await replay(fixture('sample.jsonl'));
    const touches = out.stderr
      .split('\n')
      .filter((l) => l.startsWith('{"touch"'))
      .map((l) => JSON.parse(l).touch);
    expect(touches).toEqual([
      { entityType: 'Model', entityId: 201, metrics: ['imageCount'] },
      { entityType: 'Model', entityId: 202, metrics: ['imageCount'] },
    ]);
  });

  it('reports dead letters and skips on stderr, and exits 3', async () => {
    const out = await replay(fixture('sample.jsonl'));
    expect(out.code).toBe(3);
    const letters = out.stderr
      .split('\n')
      .filter((l) => l.startsWith('{"deadLetter"'))
      .map((l) => JSON.parse(l).deadLetter);
    expect(letters.map((l) => [l.offset, l.code, l.causeCode ?? null, l.listenerId ?? null])).toEqual([
      ['5', 'EB_DECODE_INVALID_JSON', null, null],
      ['6', 'EB_LISTENER_FAILED', 'ML_LOOKUP_FAILED', 'model.images'],
    ]);
    expect(out.stderr).toContain(
      'replayed 10 record(s): 5 metric event(s), 2 touch(es) for recompute, 2 skipped, 2 dead letter(s); nothing was written',
    );
  });

  it('refuses to run without --dry-run, and names a bad input line', async () => {
    const { code, stderr } = await runCliCaptured(['replay', fixture('sample.jsonl')], {});
    expect(code).toBe(2);
    expect(stderr).toContain('needs --dry-run');
    const bad = await replay(fixture('bad-line.jsonl'));
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/bad-line\.jsonl:2: "topic" must be a non-empty string/);
  });
});
