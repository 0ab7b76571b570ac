/**
 * Serves one chDB data directory over ClickHouse's HTTP interface, on 127.0.0.1 only:
 *   node --import tsx infra/stack/clickhouse-http/main.ts --path <dir> --port <n> [--max-concurrent 4]
 * Run detached by the stack's ClickHouse part; SIGTERM or SIGINT stop it after running queries end.
 */
import { mkdirSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { ServedEngine } from './engine.js';
import { createClickHouseHttpServer } from './server.js';

const { values } = parseArgs({
  options: {
    path: { type: 'string' },
    port: { type: 'string' },
    'max-concurrent': { type: 'string', default: '4' },
  },
});
if (!values.path || !values.port) {
  console.error('usage: main.ts --path <data dir> --port <port> [--max-concurrent n]');
  process.exit(2);
}
const say = (line: string) => console.log(`${new Date().toISOString()} ${line}`);

mkdirSync(values.path, { recursive: true });
const engine = new ServedEngine(values.path, { maxConcurrent: Number(values['max-concurrent']) });
const server = createClickHouseHttpServer({ engine, log: say });
server.listen({ port: Number(values.port), host: '127.0.0.1', exclusive: true }, () =>
  say(`serving chDB ${values.path} on http://127.0.0.1:${values.port} (pid ${process.pid})`),
);
server.on('error', (err) => {
  say(`server error: ${err.message}`);
  process.exit(1);
});

let stopping = false;
async function stop(signal: string): Promise<void> {
  if (stopping) return;
  stopping = true;
  say(`${signal}: stopping`);
  // Stop accepting, let in-flight requests answer, then release the data directory.
  await new Promise<void>((resolve) => {
    server.close(() => resolve());
    server.closeIdleConnections();
    // A client that keeps a connection busy must not hold the stop up for long.
    setTimeout(() => server.closeAllConnections(), 10_000).unref();
  });
  await engine.close();
  say('stopped');
  process.exit(0);
}
process.on('SIGTERM', () => void stop('SIGTERM'));
process.on('SIGINT', () => void stop('SIGINT'));
