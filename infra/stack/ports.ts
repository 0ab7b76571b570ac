import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { stackPaths } from './paths.js';

export type PortName =
  | 'postgres'
  | 'redis'
  | 'kafka'
  | 'kafkaController'
  | 'connect'
  | 'clickhouse'
  | `redisCluster${0 | 1 | 2}`
  | `redisClusterBus${0 | 1 | 2}`;
export type PortMap = Partial<Record<PortName, number>>;

export function readPorts(): PortMap {
  const file = stackPaths().portsFile;
  return existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as PortMap) : {};
}

export function savePorts(ports: PortMap): void {
  writeFileSync(stackPaths().portsFile, `${JSON.stringify(ports, null, 2)}\n`);
}

/** Binding is the only honest test of "free": another process may hold it without us knowing. */
export function isPortFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const srv = createServer();
    srv.once('error', () => resolve(false));
    srv.listen({ port, host: '127.0.0.1', exclusive: true }, () => srv.close(() => resolve(true)));
  });
}

/** A free TCP port on loopback, picked by the OS (also for tests that run a private server). */
export function ephemeralPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen({ port: 0, host: '127.0.0.1', exclusive: true }, () => {
      const addr = srv.address();
      srv.close(() => (typeof addr === 'object' && addr ? resolve(addr.port) : reject(new Error('no port'))));
    });
  });
}

/**
 * Reuse the port recorded on an earlier `up` when it is still free, so URLs held by
 * long-running tools (and Kafka's stored controller address) stay valid across restarts.
 */
export async function choosePort(name: PortName, ports: PortMap): Promise<number> {
  const taken = new Set(Object.entries(ports).flatMap(([k, v]) => (k !== name && v ? [v] : [])));
  const previous = ports[name];
  if (previous && !taken.has(previous) && (await isPortFree(previous))) return previous;
  for (;;) {
    const port = await ephemeralPort();
    if (!taken.has(port)) {
      ports[name] = port;
      return port;
    }
  }
}
