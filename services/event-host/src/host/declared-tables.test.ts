import { defineListener, definePlugin } from '@engagement/plugin-api';
import { describe, expect, it } from 'vitest';
import { HostError } from '../errors.js';
import {
  assertDeclaredTables,
  declaredTablesOf,
  judgeDeclaredTables,
  type TableFacts,
} from './declared-tables.js';

const debezium = { topicPrefix: 'app', schema: 'public' };
const listener = (id: string, tables: string[]) =>
  defineListener({ id, tables, canHandle: () => true, handle: () => {} });
const plugin = definePlugin({
  id: 'comments',
  owner: '@team/test',
  listeners: [
    listener('comment.v2', ['CommentsV2']),
    listener('image.reactions', ['ImageReaction']),
    listener('model.downloads', ['default.modelVersionEvents']),
  ],
});
const declared = declaredTablesOf([plugin]);
const clickhouseTables = new Set(['default.modelVersionEvents']);
const pgTables = new Set(['CommentV2', 'Comment', 'ImageReaction']);
const judge = (facts: Partial<TableFacts>) =>
  judgeDeclaredTables(declared, { clickhouseTables, ...facts }, debezium);

describe('declared tables at boot', () => {
  it('lists every table of every listener with its plugin', () => {
    expect(declared).toEqual([
      { pluginId: 'comments', listenerId: 'comment.v2', table: 'CommentsV2' },
      { pluginId: 'comments', listenerId: 'image.reactions', table: 'ImageReaction' },
      { pluginId: 'comments', listenerId: 'model.downloads', table: 'default.modelVersionEvents' },
    ]);
  });

  it('with Postgres known: a table with neither a table nor a written topic is an error naming listener, table and the closest name', () => {
    const findings = judge({
      postgresTables: pgTables,
      topics: new Map([['app.public.ImageReaction', true]]),
    });
    expect(findings).toHaveLength(1);
    expect(findings[0]).toMatchObject({
      level: 'error',
      listenerId: 'comment.v2',
      table: 'CommentsV2',
      topic: 'app.public.CommentsV2',
      suggestion: 'CommentV2',
    });
    expect(findings[0]!.message).toContain(
      'listener "comment.v2" (plugin "comments") declares table "CommentsV2"',
    );
    expect(findings[0]!.message).toContain('(did you mean CommentV2?)');
    expect(() => assertDeclaredTables(findings)).toThrow(HostError);
    try {
      assertDeclaredTables(findings);
    } catch (e) {
      expect((e as HostError).code).toBe('EH_PLUGIN_TABLE_UNKNOWN');
      expect((e as HostError).message).toContain('did you mean CommentV2?');
    }
  });

  it('with Postgres known: an empty topic (created by an earlier host) is no evidence; one with records only warns', () => {
    expect(
      judge({ postgresTables: pgTables, topics: new Map([['app.public.CommentsV2', false]]) })[0]?.level,
    ).toBe('error');
    const written = judge({ postgresTables: pgTables, topics: new Map([['app.public.CommentsV2', true]]) });
    expect(written.map((f) => f.level)).toEqual(['warning']);
    expect(() => assertDeclaredTables(written)).not.toThrow();
  });

  it('with Postgres known but Kafka not: decides on the schema alone', () => {
    expect(judge({ postgresTables: pgTables }).map((f) => [f.level, f.table])).toEqual([
      ['error', 'CommentsV2'],
    ]);
  });

  it('with only Kafka known: a missing or empty topic is a warning, never an error', () => {
    const findings = judge({
      topics: new Map([
        ['app.public.CommentV2', true],
        ['app.public.ImageReaction', false],
      ]),
    });
    expect(findings.map((f) => [f.level, f.table, f.suggestion])).toEqual([
      ['warning', 'CommentsV2', 'CommentV2'],
      ['warning', 'ImageReaction', undefined],
    ]);
    expect(() => assertDeclaredTables(findings)).not.toThrow();
  });

  it('checks ClickHouse-sourced tables against the ClickHouse source routes only', () => {
    expect(judge({ postgresTables: new Set(), topics: new Map() }).map((f) => f.table)).toEqual([
      'CommentsV2',
      'ImageReaction',
    ]);
    const typo = judgeDeclaredTables(
      declaredTablesOf([
        definePlugin({ id: 'p', owner: '@t', listeners: [listener('l', ['default.modelVersionEvent'])] }),
      ]),
      { clickhouseTables, postgresTables: pgTables },
      debezium,
    );
    expect(typo[0]).toMatchObject({ level: 'error', suggestion: 'default.modelVersionEvents' });
  });

  it('with nothing known: no findings (boot logs that the check could not run)', () => {
    expect(judge({})).toEqual([]);
  });
});
