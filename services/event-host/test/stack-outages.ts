// For outage tests: a private redis-server, and the shared stack's Kafka broker stopped and started again.
import { type ChildProcess, spawn } from 'node:child_process';
import { connect } from 'node:net';
import { waitFor } from '@engagement/event-bus/testing';
import { inject } from 'vitest';
import type { StackContext } from '../../../infra/stack/part.js';
import { kafkaPart } from '../../../infra/stack/parts/kafka.js';
import { stackPaths } from '../../../infra/stack/paths.js';
import { readPorts } from '../../../infra/stack/ports.js';

/** A private redis-server on `port` (no persistence), for outage tests that must not touch the shared one. */
export async function startRedisServer(port: number): Promise<ChildProcess> {
  const proc = spawn(
    'redis-server',
    ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'],
    {
      stdio: 'ignore',
    },
  );
  await waitFor(
    () =>
      new Promise<boolean>((resolve) => {
        const socket = connect(port, '127.0.0.1', () => {
          socket.end();
          resolve(true);
        });
        socket.on('error', () => resolve(false));
      }),
    (up) => up,
    10_000,
    `redis-server on ${port}`,
  );
  return proc;
}

/**
 * Stops and restarts the shared stack's Kafka broker (by its recorded pid, on the same port and data),
 * for outage tests. Call `start` in a `finally`: the other test files need the broker back.
 */
export function stackBroker(): { stop(): Promise<string>; start(): Promise<string> } {
  const stack = inject('stackEnv');
  // The part functions read STACK_DIR (paths, ports, classpaths): point them at this run's stack.
  const inStack = async <T>(fn: (ctx: StackContext) => Promise<T>): Promise<T> => {
    const previous = process.env.STACK_DIR;
    process.env.STACK_DIR = stack.STACK_DIR ?? previous;
    try {
      return await fn({ paths: stackPaths(), ports: readPorts(), say: () => undefined });
    } finally {
      if (previous === undefined) delete process.env.STACK_DIR;
      else process.env.STACK_DIR = previous;
    }
  };
  const port = Number(stack.KAFKA_BROKERS!.split(':').pop());
  return {
    stop: () => inStack((ctx) => kafkaPart.down(ctx)),
    start: () =>
      inStack(async (ctx) => {
        if (ctx.ports.kafka !== port)
          throw new Error(`the stack records Kafka on ${ctx.ports.kafka}, not ${port}`);
        return (await kafkaPart.up(ctx)).outcome;
      }),
  };
}
