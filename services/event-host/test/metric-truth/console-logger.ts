// A logger for diagnosing an integration run: warnings and errors of the pipeline (kafkajs included) on
// the console, one line each.
import type { Logger } from '@engagement/plugin-api';

/** Prints warn and error records with their bindings; drops debug and info. */
export function consoleLogger(bindings: Record<string, unknown> = {}): Logger {
  const log = (level: string) => (obj: object | string, msg?: string) => {
    if (level === 'debug' || level === 'info') return;
    const detail =
      typeof obj === 'string' ? obj : JSON.stringify(obj, (_k, v) => (v instanceof Error ? v.message : v));
    console.log(new Date().toISOString(), level, JSON.stringify(bindings), msg ?? '', detail.slice(0, 600));
  };
  return {
    debug: log('debug'),
    info: log('info'),
    warn: log('warn'),
    error: log('error'),
    child: (more) => consoleLogger({ ...bindings, ...more }),
  };
}
