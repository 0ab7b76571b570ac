import { availableParallelism } from 'node:os';
import { defaultServerConditions } from 'vite';
import { defineConfig } from 'vitest/config';

// Workspace packages export their TypeScript sources under the "source" condition,
// so tests run against src without a build step.
const conditions = ['source', ...defaultServerConditions];

export default defineConfig({
  resolve: { conditions },
  ssr: { resolve: { conditions, externalConditions: ['source'] } },
  test: {
    projects: [
      {
        extends: true,
        test: {
          name: 'unit',
          // Every core: vitest's default leaves one idle (one worker of two on this project's machines, and
          // the unit files share nothing: half the wall time). They run before the integration files, which
          // need the cores to themselves.
          maxWorkers: availableParallelism(),
          sequence: { groupOrder: 0 },
          include: [
            'packages/*/src/**/*.test.ts',
            'services/*/src/**/*.test.ts',
            'scripts/**/*.test.ts',
            'infra/**/*.test.ts',
          ],
          exclude: ['**/*.integration.test.ts', '**/node_modules/**'],
        },
      },
      {
        extends: true,
        test: {
          name: 'integration',
          sequence: { groupOrder: 1 },
          include: ['**/*.integration.test.ts'],
          exclude: ['**/node_modules/**'],
          globalSetup: ['./infra/test/global-setup.ts'],
          // The tests share one local stack (and one embedded ClickHouse path per process),
          // so integration files run one at a time.
          fileParallelism: false,
          testTimeout: 120_000,
          hookTimeout: 300_000,
          // Every pipeline and host rolls the read rollup twice a second (production: every 60 s), so the
          // tests' fills, flushes and checks read committed daily rows and race rolls, instead of finishing
          // before the first roll. Set EVENT_BUS_ROLLUP_INTERVAL_MS to change it. Each one also compacts after
          // every 4 of its committed rolls (production: 60), so reads race compactions too.
          env: {
            EVENT_BUS_ROLLUP_INTERVAL_MS: process.env.EVENT_BUS_ROLLUP_INTERVAL_MS ?? '500',
            EVENT_BUS_ROLLUP_COMPACT_EVERY: process.env.EVENT_BUS_ROLLUP_COMPACT_EVERY ?? '4',
          },
        },
      },
    ],
  },
});
