import { loadConfig } from '../../config/load-config.js';
import { createEventHost } from '../../host/create-event-host.js';
import { exitOnShutdownSignal } from '../../host/shutdown.js';
import { createLogger } from '../../logging/create-logger.js';
import type { CliContext } from '../cli-context.js';

/** `event-host start`: runs until SIGTERM/SIGINT, then drains within the configured deadline. */
export async function startCommand(ctx: CliContext): Promise<number> {
  const config = loadConfig({ env: ctx.env, file: ctx.configFile, purpose: 'start' });
  const logger = createLogger(config);
  const host = await createEventHost({ config, logger });
  const stopped = exitOnShutdownSignal(host, { deadlineMs: config.shutdown.deadlineMs, logger });
  await host.start();
  logger.info({ status: `${host.url}/`, metrics: `${host.url}/metrics` }, 'host.endpoints');
  return stopped;
}
