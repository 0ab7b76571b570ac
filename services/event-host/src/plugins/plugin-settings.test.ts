import {
  defineListener,
  definePlugin,
  pluginSettings,
  type StandardResult,
  type StandardSchemaV1,
} from '@engagement/plugin-api';
import { describe, expect, it } from 'vitest';
import { HostError } from '../errors.js';
import { loadPlugins, type ModuleImporter } from './load-plugins.js';
import { withLoadedSettings } from './settings-provisions.js';

interface Tuning {
  level: number;
  apiKey: string;
}

/** A hand-written Standard Schema: `level` (default 1) and `apiKey` (a string of 8+ characters). */
function tuningSchema(mode: 'sync' | 'async' = 'sync'): StandardSchemaV1<unknown, Tuning> {
  const check = (value: unknown): StandardResult<Tuning> => {
    const v = (value ?? {}) as Record<string, unknown>;
    if (typeof v.apiKey !== 'string' || v.apiKey.length < 8) {
      // Quotes what it received, as some schema libraries do: the host must not print it.
      return {
        issues: [
          { message: `expected 8+ characters, received ${JSON.stringify(v.apiKey)}`, path: ['apiKey'] },
        ],
      };
    }
    if (v.level !== undefined && typeof v.level !== 'number') {
      return { issues: [{ message: 'expected a number', path: [{ key: 'level' }] }] };
    }
    return { value: { level: (v.level as number | undefined) ?? 1, apiKey: v.apiKey } };
  };
  return {
    '~standard': {
      version: 1,
      vendor: 'test',
      validate: (value) =>
        mode === 'async'
          ? new Promise((resolve) => setTimeout(() => resolve(check(value)), 5))
          : check(value),
    },
  };
}

function tunedPackage(schema = tuningSchema()): ModuleImporter {
  const settings = pluginSettings('tuned', schema);
  const plugin = definePlugin({
    id: 'tuned',
    owner: '@team/t',
    listeners: [
      defineListener({
        id: 'tuned.l',
        tables: ['Image'],
        deps: { settings },
        canHandle: () => true,
        handle() {},
      }),
    ],
  });
  return async () => ({ plugins: [plugin] });
}

async function refusal(p: Promise<unknown>): Promise<HostError> {
  const error = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(HostError);
  return error as HostError;
}

describe('plugin settings declared with a schema', () => {
  it('are validated at load and provided as the schema output (defaults applied)', async () => {
    const packages = await loadPlugins(['@x/tuned'], {
      importer: tunedPackage(),
      settings: { tuned: { apiKey: 'k-12345678' } },
    });
    expect(packages[0]?.settings).toEqual({ tuned: { level: 1, apiKey: 'k-12345678' } });
    const provisions = withLoadedSettings(
      [{ token: { id: 'tuned.settings', key: Symbol.for('x') }, value: 'raw' }],
      packages,
    );
    expect(provisions.map((p) => [p.token.id, p.value])).toEqual([
      ['tuned.settings', { level: 1, apiKey: 'k-12345678' }],
    ]);
  });

  it('stop the load naming the setting and the issue, never the value', async () => {
    const secret = 'hunter2';
    const error = await refusal(
      loadPlugins(['@x/tuned'], { importer: tunedPackage(), settings: { tuned: { apiKey: secret } } }),
    );
    expect(error.code).toBe('EH_CONFIG_INVALID');
    expect(error.message).toContain(
      'plugins.settings.tuned.apiKey: expected 8+ characters, received "<redacted>"',
    );
    expect(error.message).not.toContain(secret);
    const typed = await refusal(
      loadPlugins(['@x/tuned'], {
        importer: tunedPackage(),
        settings: { tuned: { apiKey: 'k-12345678', level: 'x' } },
      }),
    );
    expect(typed.message).toContain('plugins.settings.tuned.level: expected a number');
  });

  it('are validated when absent, so the schema decides (not a missing dependency)', async () => {
    const error = await refusal(loadPlugins(['@x/tuned'], { importer: tunedPackage() }));
    expect(error.code).toBe('EH_CONFIG_INVALID');
    expect(error.message).toContain(
      'plugins.settings.tuned.apiKey: expected 8+ characters, received undefined',
    );
  });

  it('await a schema that validates asynchronously, and refuse what it refuses', async () => {
    const async = tuningSchema('async');
    const [loaded] = await loadPlugins(['@x/tuned'], {
      importer: tunedPackage(async),
      settings: { tuned: { apiKey: 'k-12345678', level: 3 } },
    });
    expect(loaded?.settings).toEqual({ tuned: { level: 3, apiKey: 'k-12345678' } });
    const error = await refusal(
      loadPlugins(['@x/tuned'], { importer: tunedPackage(async), settings: { tuned: { apiKey: 'short' } } }),
    );
    expect(error.message).toContain('plugins.settings.tuned.apiKey:');
    expect(error.message).not.toContain('short');
  });
});
