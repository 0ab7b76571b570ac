// Runs the CLI in-process with its output captured, for the CLI's own tests.
import { Writable } from 'node:stream';
import { runCli } from '../src/cli/run-cli.js';
import type { ModuleImporter } from '../src/plugins/load-plugins.js';

/** A writable stream that keeps what is written to it as text. */
export function capture(): Writable & { text: string } {
  const w = new Writable({
    write(chunk, _enc, done) {
      w.text += String(chunk);
      done();
    },
  }) as Writable & { text: string };
  w.text = '';
  return w;
}

/** Runs `event-host <argv>` with `env` as its whole environment; returns its exit code and what it wrote. */
export async function runCliCaptured(argv: string[], env: Record<string, string>, importer?: ModuleImporter) {
  const stdout = capture();
  const stderr = capture();
  const code = await runCli(argv, { env, stdout, stderr, importer });
  return { code, stdout: stdout.text, stderr: stderr.text };
}
