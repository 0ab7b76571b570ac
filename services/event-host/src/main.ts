#!/usr/bin/env node
// The `event-host` executable: parses the command line and runs one command. Building the host lives in
// createEventHost; this file only starts it and turns the outcome into the process exit code.
import { drainOutput } from './cli/drain-output.js';
import { runCli } from './cli/run-cli.js';

const code = await runCli(process.argv.slice(2));
// Exiting drops whatever a piped stdout/stderr still buffers, so wait until the output is written first.
await drainOutput([process.stdout, process.stderr]);
// Clients (kafkajs, ioredis) may keep timers alive after a command finished: exit explicitly.
process.exit(code);
