import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { configUnchanged } from '../config-file.js';
import { type OwnedProcess, ownedPid, ownedProcess, startOwned, stopOwned } from '../owned-process.js';
import type { Part, StackContext } from '../part.js';
import { choosePort } from '../ports.js';
import { run, runChecked, waitFor } from '../process.js';

// A small Redis Cluster for the cache tests: three masters from the machine's redis-server, no replicas, no
// persistence (nothing restarts it mid-test). Each node's bus port is chosen like its client port
// (`cluster-port`), so an ephemeral port above 55535 cannot push the default port + 10000 out of range.
const NODES = [0, 1, 2] as const;

function files(ctx: StackContext, i: number) {
  const dir = join(ctx.paths.part('redis-cluster'), `n${i}`);
  return { dir, config: join(dir, 'redis.conf') };
}

const logOf = (ctx: StackContext) => ctx.paths.log('redis-cluster');

/** Node `i`'s server, with a pid file of its own; the three nodes write one log. */
const node = (ctx: StackContext, i: number): OwnedProcess => ({
  ...ownedProcess(ctx, `redis-cluster-${i}`, 'redis-server'),
  log: logOf(ctx),
});

function nodeConf(dir: string, port: number, bus: number): string {
  return `${[
    'bind 127.0.0.1',
    `port ${port}`,
    `cluster-port ${bus}`,
    `dir ${dir}`,
    'daemonize no',
    'logfile ""',
    'cluster-enabled yes',
    'cluster-config-file nodes.conf',
    'cluster-node-timeout 5000',
    'appendonly no',
    'save ""',
  ].join('\n')}\n`;
}

const cli = (port: number, ...args: string[]) => run('redis-cli', ['-p', String(port), ...args]);

async function clusterOk(port: number): Promise<boolean> {
  const r = await cli(port, 'CLUSTER', 'INFO').catch(() => undefined);
  return r?.code === 0 && r.stdout.includes('cluster_state:ok');
}

const ports = (ctx: StackContext) => NODES.map((i) => ctx.ports[`redisCluster${i}`]);

export const redisClusterPart: Part = {
  name: 'redis-cluster',
  logFile: logOf,

  async status(ctx) {
    const pids = NODES.map((i) => ownedPid(node(ctx, i)));
    const port = ports(ctx)[0];
    const up = pids.every((p) => p !== undefined) && port !== undefined && (await clusterOk(port));
    return { name: 'redis-cluster', state: up ? 'up' : 'down', pid: pids[0], port };
  },

  async up(ctx) {
    const old = ports(ctx);
    const same = NODES.every((i) => {
      const bus = ctx.ports[`redisClusterBus${i}`];
      const f = files(ctx, i);
      return (
        old[i] !== undefined && bus !== undefined && configUnchanged(f.config, nodeConf(f.dir, old[i]!, bus))
      );
    });
    const running = NODES.every((i) => ownedPid(node(ctx, i)) !== undefined);
    if (same && running && (await Promise.all(old.map((p) => clusterOk(p!)))).every(Boolean)) {
      return { outcome: 'running', detail: `ports ${old.join(', ')}` };
    }
    // Anything less than a healthy cluster is rebuilt from scratch: it holds only test data.
    for (const i of NODES) await stopOwned(node(ctx, i), 30_000);
    rmSync(ctx.paths.part('redis-cluster'), { recursive: true, force: true });
    const chosen: number[] = [];
    for (const i of NODES) {
      const f = files(ctx, i);
      const port = await choosePort(`redisCluster${i}`, ctx.ports);
      const bus = await choosePort(`redisClusterBus${i}`, ctx.ports);
      mkdirSync(f.dir, { recursive: true });
      writeFileSync(f.config, nodeConf(f.dir, port, bus));
      await startOwned(
        node(ctx, i),
        'redis-server',
        [f.config],
        { cwd: f.dir },
        {
          what: `redis-cluster node ${i}`,
          check: async () => (await cli(port, 'PING')).stdout.includes('PONG'),
          timeoutMs: 30_000,
        },
      );
      chosen.push(port);
    }
    await runChecked('redis-cli', [
      '--cluster',
      'create',
      ...chosen.map((p) => `127.0.0.1:${p}`),
      '--cluster-replicas',
      '0',
      '--cluster-yes',
    ]);
    await waitFor(
      'redis-cluster state ok',
      async () => (await Promise.all(chosen.map(clusterOk))).every(Boolean),
      {
        timeoutMs: 30_000,
      },
    );
    return { outcome: 'started', detail: `three masters on ports ${chosen.join(', ')}` };
  },

  async down(ctx) {
    const results: string[] = [];
    for (const i of NODES) results.push(await stopOwned(node(ctx, i), 15_000));
    return results.join(', ');
  },

  env(ctx): Record<string, string> {
    const p = ports(ctx);
    return p.every((x) => x !== undefined)
      ? { REDIS_CLUSTER_NODES: p.map((x) => `127.0.0.1:${x}`).join(',') }
      : {};
  },
};
