/**
 * An error a command reports to the user as one line (`error: <message>`) with a non-zero exit
 * code: 1 for failures, 2 for usage errors (unknown names, bad options, bad config files).
 */
export class CliError extends Error {
  override readonly name = 'CliError';
  constructor(
    message: string,
    readonly exitCode: 1 | 2 = 1,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** Collapses an error's message to one line for the terminal. */
export function oneLine(err: unknown): string {
  const text = err instanceof Error ? err.message : String(err);
  return text.replace(/\s*\n\s*/g, ' ').trim();
}
