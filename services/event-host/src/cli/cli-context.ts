import type { Writable } from 'node:stream';
import type { ModuleImporter } from '../plugins/load-plugins.js';

/** What a command gets: its arguments, the environment and where to write. Tests pass their own streams. */
export interface CliContext {
  args: string[];
  env: Record<string, string | undefined>;
  stdout: Writable;
  stderr: Writable;
  /** `--config FILE`, when given. */
  configFile?: string;
  /** Imports plugin packages by name (`config check`); tests pass their own to load fixtures. */
  importer?: ModuleImporter;
}

/** Writes one line. */
export function println(stream: Writable, line = ''): void {
  stream.write(`${line}\n`);
}
