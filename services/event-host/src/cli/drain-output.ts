import type { Writable } from 'node:stream';

/**
 * Resolves once everything written to the streams so far has been handed to the OS. A pipe's writes are
 * asynchronous once its buffer is full, so exiting right after the last `write` loses the rest of the
 * output (issue 17). An empty write's callback runs after every earlier chunk was flushed; a stream that
 * fails (EPIPE: the reader went away) or is already closed has nothing left to wait for.
 */
export function drainOutput(streams: readonly Writable[]): Promise<void> {
  return Promise.all(streams.map(drainOne)).then(() => undefined);
}

function drainOne(stream: Writable): Promise<void> {
  if (stream.destroyed || stream.writableEnded || stream.writableLength === 0) return Promise.resolve();
  return new Promise((resolve) => {
    // Kept until exit: a failed write calls back first and emits 'error' after, which must not throw.
    stream.on('error', () => resolve());
    stream.once('close', resolve);
    stream.write('', () => resolve());
  });
}
