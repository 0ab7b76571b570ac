#!/usr/bin/env node
// The `event-host` executable: parses the command line and runs one command. Building the host lives in
// createEventHost; this file only starts it and turns the outcome into the process exit code.
import { drainOutput } from './cli/drain-output.js';
import { runCli } from './cli/run-cli.js';

// Run by bin/event-host.mjs from the sources, the command is a child of that wrapper, connected to it by an
// IPC channel. If the wrapper dies without passing a signal on (kill -9), the channel closes: stop as on
// SIGTERM rather than run on unsupervised, holding its port and partitions while a supervisor starts another.
if (process.send) {
  const orphaned = () => process.kill(process.pid, 'SIGTERM');
  if (process.connected) {
    process.channel?.unref();
    process.once('disconnect', orphaned);
  } else {
    // The wrapper died while this process was still loading: the channel is gone already.
    orphaned();
  }
}

const code = await runCli(process.argv.slice(2));
// Exiting drops whatever a piped stdout/stderr still buffers, so wait until the output is written first.
await drainOutput([process.stdout, process.stderr]);
// Clients (kafkajs, ioredis) may keep timers alive after a command finished: exit explicitly.
process.exit(code);
