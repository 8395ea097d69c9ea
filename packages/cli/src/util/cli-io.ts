/**
 * Where a command writes and what it knows about its terminal. The real programme passes the
 * process streams; tests pass collectors.
 */
export interface CliIo {
  /** Writes text to standard output (no newline added). */
  stdout(text: string): void;
  /** Writes text to standard error (no newline added). */
  stderr(text: string): void;
  /** Whether standard error is an interactive terminal (progress bars) or not (plain lines). */
  readonly isTTY: boolean;
  /** The stream progress bars draw on when `isTTY` is true; default `process.stderr`. */
  readonly progressStream?: NodeJS.WritableStream;
  /** Install SIGINT handlers that stop training cleanly; default true. */
  readonly handleSignals?: boolean;
}

/** The {@link CliIo} of the running process: `process.stdout` / `process.stderr`. */
export function processIo(): CliIo {
  return {
    stdout: (text) => void process.stdout.write(text),
    stderr: (text) => void process.stderr.write(text),
    isTTY: process.stderr.isTTY === true,
    progressStream: process.stderr,
    handleSignals: true,
  };
}

/** A {@link CliIo} that collects what is written, for tests and embedding. */
export interface CapturedIo extends CliIo {
  /** Everything written to stdout so far. */
  readonly out: string[];
  /** Everything written to stderr so far. */
  readonly err: string[];
}

/** Creates a {@link CapturedIo} (not a terminal, no signal handlers unless asked). */
export function captureIo(options: { isTTY?: boolean; handleSignals?: boolean } = {}): CapturedIo {
  const out: string[] = [];
  const err: string[] = [];
  return {
    out,
    err,
    stdout: (text) => void out.push(text),
    stderr: (text) => void err.push(text),
    isTTY: options.isTTY ?? false,
    handleSignals: options.handleSignals ?? false,
  };
}
