// Generates the Prisma client into src/generated/prisma (not committed), offline.
// `prisma generate` needs no schema engine, but the CLI looks for one and would download it: a stub
// executable satisfies that lookup (the stub exits non-zero if anything ever runs it).
// Plain Node on purpose: scripts/ensure-deps.mjs and the event-host executable run it before TypeScript
// tooling is assumed. With --if-stale it does nothing while the client is newer than the schema.
import { execFileSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const pkg = join(dirname(fileURLToPath(import.meta.url)), '..');
const schema = join(pkg, 'prisma', 'schema.prisma');
const client = join(pkg, 'src', 'generated', 'prisma', 'client.ts');
if (process.argv.includes('--if-stale')) {
  if (existsSync(client) && statSync(client).mtimeMs >= statSync(schema).mtimeMs) process.exit(0);
  console.log('[app-db] generating the Prisma client of @engagement/app-db (src/generated, not committed)…');
}
const stubDir = join(tmpdir(), 'engagement-prisma-stub');
const stub = join(stubDir, 'schema-engine');
if (!existsSync(stub)) {
  mkdirSync(stubDir, { recursive: true });
  writeFileSync(
    stub,
    '#!/bin/sh\necho "schema engine stub: prisma migrate is not used here (see infra/postgres/migrations)" >&2\nexit 1\n',
  );
  chmodSync(stub, 0o755);
}
const cli = join(pkg, 'node_modules', '.bin', 'prisma');
const bin = existsSync(cli) ? cli : join(pkg, '..', '..', 'node_modules', '.bin', 'prisma');
execFileSync(bin, ['generate', '--schema', schema], {
  cwd: pkg,
  stdio: 'inherit',
  env: {
    ...process.env,
    PRISMA_SCHEMA_ENGINE_BINARY: process.env.PRISMA_SCHEMA_ENGINE_BINARY ?? stub,
    PRISMA_HIDE_UPDATE_MESSAGE: '1',
    CHECKPOINT_DISABLE: '1',
  },
});
