/** A stream that reports write errors as `error` events (`process.stdout`, `process.stderr`). */
export interface ErrorEmitter {
  on(event: 'error', listener: (err: Error & { code?: string }) => void): unknown;
}

/**
 * Makes a reader that closes the pipe early (`ait models | head -1`) end the command quietly
 * with exit code 0, as Unix tools do, instead of crashing with an unhandled EPIPE. Other stream
 * errors are rethrown.
 */
export function endQuietlyOnClosedPipe(streams: readonly ErrorEmitter[], exit: (code: number) => void): void {
  for (const stream of streams) {
    stream.on('error', (err) => {
      if (err.code === 'EPIPE') {
        exit(0);
        return;
      }
      throw err;
    });
  }
}
