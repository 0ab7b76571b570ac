import { loadConfig } from '../../config/load-config.js';
import { createEventHost } from '../../host/create-event-host.js';
import { exitOnShutdownSignal } from '../../host/shutdown.js';
import { createLogger } from '../../logging/create-logger.js';
import { defineCommand } from '../command-table.js';

/**
 * `event-host start`: runs until SIGTERM/SIGINT, then drains within the configured deadline. Stops by
 * itself when a sink refuses work for good: the error is thrown after the host stopped (exit 65,
 * `EH_SINK_REJECTED`), with nothing of the refused work committed.
 */
export const startCommand = defineCommand({
  name: 'start',
  summary: 'run the host (consume, handle, store; HTTP endpoints)',
  options: {},
  async run(ctx) {
    const config = loadConfig({ env: ctx.env, file: ctx.configFile, purpose: 'start' });
    const logger = createLogger(config);
    const host = await createEventHost({ config, logger });
    const stopped = exitOnShutdownSignal(host, { deadlineMs: config.shutdown.deadlineMs, logger });
    const failed = host.failed.then(async (error) => {
      logger.error({ err: error.cause }, error.message);
      await host.stop().catch((err) => logger.error({ err }, 'host.stop.failed'));
      throw error;
    });
    // Handled here as well: a refusal during start() must not be an unhandled rejection.
    failed.catch(() => undefined);
    await host.start();
    logger.info({ status: `${host.url}/`, metrics: `${host.url}/metrics` }, 'host.endpoints');
    return Promise.race([stopped, failed]);
  },
});
