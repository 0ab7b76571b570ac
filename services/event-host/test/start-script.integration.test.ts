// `npm start` (scripts/start.ts) with a refused setting: the host's message and exit code, not a stack trace.
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, inject, it } from 'vitest';

const repoRoot = fileURLToPath(new URL('../../../', import.meta.url));

describe('npm start', () => {
  it('stops with exit 78 and the refused setting, masked, when a setting is refused', async () => {
    const { STACK_DIR } = inject('stackEnv');
    const child = spawn(process.execPath, ['--conditions=source', '--import', 'tsx', 'scripts/start.ts'], {
      cwd: repoRoot,
      env: { ...process.env, STACK_DIR, EVENT_HOST_REDIS_URL: 'redis//admin:S3cr3tPw@127.0.0.1:6379' },
    });
    let out = '';
    child.stdout.on('data', (d) => {
      out += d;
    });
    child.stderr.on('data', (d) => {
      out += d;
    });
    const code = await new Promise((resolve) => child.once('close', resolve));
    expect(out).toContain('[start] EH_CONFIG_INVALID');
    expect(out).toContain('EVENT_HOST_REDIS_URL');
    expect(out).not.toContain('S3cr3tPw');
    expect(out).not.toContain('    at ');
    expect(code).toBe(78);
  }, 120_000);
});
