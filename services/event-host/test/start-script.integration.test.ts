// `npm start` (scripts/start.ts) with a refused setting: the host's message and exit code, not a stack trace;
// and beside a test run that is not its parent: refused before it touches the stack.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
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

  it('is refused while a test run it does not belong to uses the stack', async () => {
    const { STACK_DIR } = inject('stackEnv');
    const dir = mkdtempSync(join(tmpdir(), 'start-beside-tests-'));
    const out = join(dir, 'out');
    try {
      // Started in the background of a shell that exits at once: its parent is then no longer this run, as
      // for an npm start in another terminal.
      const command = `"${process.execPath}" --conditions=source --import tsx scripts/start.ts > "${out}" 2>&1; echo $? >> "${out}"`;
      spawnSync('sh', ['-c', `(${command}) &`], {
        cwd: repoRoot,
        env: { ...process.env, STACK_DIR },
        stdio: 'ignore',
      });
      const deadline = Date.now() + 60_000;
      let text = '';
      while (!/\n\d+\n$/.test(text) && Date.now() < deadline) {
        await new Promise((r) => setTimeout(r, 200));
        text = existsSync(out) ? readFileSync(out, 'utf8') : '';
      }
      expect(text).toMatch(/a test run \(pid \d+\) is using the stack in /);
      expect(text).toContain(`STACK_DIR=/path/to/another/dir npm start`);
      expect(text).not.toContain('    at ');
      expect(text.trim().split('\n').at(-1)).toBe('1');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 120_000);
});
