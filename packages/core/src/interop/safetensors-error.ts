/** What is wrong with a safetensors file, for callers that react differently. */
export type SafetensorsErrorKind =
  'truncated' | 'bad-header' | 'bad-offsets' | 'unsupported-dtype' | 'out-of-range' | 'mismatch' | 'read-failed' | 'write-failed';

/**
 * Thrown for every safetensors problem: a truncated or corrupt file, a header that does not
 * describe its data, a dtype tfjs cannot hold, or weights that do not fit the model they are loaded
 * into. The message names the file (or `source`), the tensor when there is one, what is wrong and
 * what to do.
 */
export class SafetensorsError extends Error {
  override readonly name = 'SafetensorsError';

  /**
   * @param kind machine-readable category.
   * @param source the file or what the bytes came from.
   * @param message full human-readable message.
   */
  constructor(
    readonly kind: SafetensorsErrorKind,
    readonly source: string,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}
