import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { runCliCaptured } from '../../test/run-cli-captured.js';

const fixture = (name: string) => fileURLToPath(new URL(`./__fixtures__/${name}`, import.meta.url));

const replay = (file: string, extraEnv: Record<string, string> = {}) =>
  runCliCaptured(['replay', '--dry-run', file], {
    EVENT_HOST_PLUGINS: '@engagement/metric-listeners',
    // The sample carries the parent rows its listeners look up (the Image change), so no query is sent;
    // if one were, this closed port would make it fail and the output would differ.
    EVENT_HOST_POSTGRES_URL: 'postgres://127.0.0.1:1/none',
    EVENT_HOST_LISTENER_MAX_ATTEMPTS: '2',
    ...extraEnv,
  });

describe('event-host replay --dry-run', () => {
  it('prints the metric events of the committed sample file, exactly', async () => {
    const out = await replay(fixture('sample.jsonl'));
    expect(out.stdout).toBe(readFileSync(fixture('sample.expected.jsonl'), 'utf8'));
    // Creates add, the update moves Like → Laugh, the delete takes the Heart back.
    const totals: Record<string, number> = {};
    for (const line of out.stdout.trim().split('\n')) {
      const e = JSON.parse(line);
      totals[`${e.entityType}:${e.entityId}:${e.metricType}`] =
        (totals[`${e.entityType}:${e.entityId}:${e.metricType}`] ?? 0) + e.metricValue;
    }
    expect(totals).toMatchObject({
      'Image:501:likeCount': 0,
      'Image:501:laughCount': 1,
      'Image:501:heartCount': 0,
      'Image:501:reactionCount': 1,
      'Post:601:laughCount': 1,
      'User:71:reactionCount': 2,
    });
  });

  it('reports dead letters and skips on stderr, and exits 3', async () => {
    const out = await replay(fixture('sample.jsonl'));
    expect(out.code).toBe(3);
    const letters = out.stderr
      .split('\n')
      .filter((l) => l.startsWith('{'))
      .map((l) => JSON.parse(l).deadLetter);
    expect(letters.map((l) => [l.offset, l.code, l.listenerId ?? null])).toEqual([
      ['5', 'EB_DECODE_INVALID_JSON', null],
      ['6', 'EB_LISTENER_FAILED', 'image.reactions'],
      ['6', 'EB_LISTENER_FAILED', 'post.reactions'],
    ]);
    expect(out.stderr).toContain(
      'replayed 9 record(s): 17 metric event(s), 2 skipped, 3 dead letter(s); nothing was written',
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
