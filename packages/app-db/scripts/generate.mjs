// Generates the Prisma client into src/generated/prisma (not committed), offline.
// `prisma generate` needs no schema engine, but the CLI looks for one and would download it: a stub
// executable satisfies that lookup (the stub exits non-zero if anything ever runs it).
// Plain Node on purpose: scripts/ensure-deps.mjs runs it before TypeScript tooling is assumed.
import { execFileSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const pkg = join(dirname(fileURLToPath(import.meta.url)), '..');
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
execFileSync(bin, ['generate', '--schema', join(pkg, 'prisma', 'schema.prisma')], {
  cwd: pkg,
  stdio: 'inherit',
  env: {
    ...process.env,
    PRISMA_SCHEMA_ENGINE_BINARY: process.env.PRISMA_SCHEMA_ENGINE_BINARY ?? stub,
    PRISMA_HIDE_UPDATE_MESSAGE: '1',
    CHECKPOINT_DISABLE: '1',
  },
});
