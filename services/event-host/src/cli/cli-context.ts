import type { Writable } from 'node:stream';

/** What a command gets: its arguments, the environment and where to write. Tests pass their own streams. */
export interface CliContext {
  args: string[];
  env: Record<string, string | undefined>;
  stdout: Writable;
  stderr: Writable;
  /** `--config FILE`, when given. */
  configFile?: string;
}

/** Writes one line. */
export function println(stream: Writable, line = ''): void {
  stream.write(`${line}\n`);
}
