import { existsSync, readFileSync } from 'node:fs';

/**
 * True when the file a running process was started with already holds `content`. A changed
 * config (edited in the repo, or new ports) means the running process must be restarted,
 * otherwise a second `up` would report "running" for a process with stale settings.
 */
export function configUnchanged(file: string, content: string): boolean {
  return existsSync(file) && readFileSync(file, 'utf8') === content;
}
