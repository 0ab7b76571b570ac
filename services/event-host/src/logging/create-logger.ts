import { createRequire } from 'node:module';
import { type DestinationStream, type Logger, pino } from 'pino';
import type { HostConfig } from '../config/host-config.js';
import { maskUrlsIn } from '../config/mask-secrets.js';

/**
 * The host's pino logger: JSON lines for machines, or pino-pretty's readable lines when `log.pretty` is on
 * (development). pino-pretty runs in-process as a stream, not as a worker transport, so a crash loses no
 * buffered lines; it is optional and the host falls back to JSON when it is not installed.
 */
export function createLogger(
  config: Pick<HostConfig, 'log'>,
  options: { destination?: 'stdout' | 'stderr'; bindings?: Record<string, unknown> } = {},
): Logger {
  const fd = options.destination === 'stderr' ? 2 : 1;
  let stream: DestinationStream = pino.destination({ fd, sync: true });
  if (config.log.pretty) {
    try {
      const pretty = createRequire(import.meta.url)('pino-pretty') as (o: object) => DestinationStream;
      stream = pretty({
        destination: fd,
        sync: true,
        colorize: process.stdout.isTTY,
        translateTime: 'SYS:HH:MM:ss.l',
      });
    } catch {
      // Not installed: JSON it is.
    }
  }
  return pino(
    {
      level: config.log.level,
      base: { service: 'event-host', pid: process.pid, ...options.bindings },
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
      serializers: { err: maskedError },
    },
    stream,
  );
}

/**
 * pino's error serializer, with URL user info masked (client errors may quote a connection string), and
 * the message's causes each added only when the text does not quote them yet: errors here often say
 * `… failed: ${cause.message}`, and pino appends every cause's message again.
 */
export function maskedError(error: Error): Record<string, unknown> {
  const out = pino.stdSerializers.err(error) as unknown as Record<string, unknown>;
  out.message = messageWithNewCauses(error);
  for (const field of ['message', 'stack'] as const) {
    if (typeof out[field] === 'string') out[field] = maskUrlsIn(out[field]);
  }
  return out;
}

/** Compared masked: an error that quotes its cause with the user info already masked quotes it all the same. */
function messageWithNewCauses(error: Error): string {
  let text = maskUrlsIn(error.message ?? '');
  const seen = new Set<unknown>([error]);
  for (let e = error.cause; e instanceof Error && !seen.has(e); e = e.cause) {
    seen.add(e);
    const message = maskUrlsIn(e.message ?? '');
    if (message && !text.includes(message)) text = text ? `${text}: ${message}` : message;
  }
  return text;
}
