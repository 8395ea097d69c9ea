/**
 * One example of a data set.
 *
 * The arrays may be views into a data set's shared storage or a cache: treat them as read-only
 * (copy before changing them).
 */
export interface Sample<E = unknown> {
  /**
   * Pixels `[H, W, C]` row-major with the channel innermost (`H * W * C` values): a
   * `Uint8Array` holds 0..255, a `Float32Array` holds values on the 0..1 scale.
   */
  readonly image: Uint8Array | Float32Array;
  /** Class index in `[0, numClasses)`. */
  readonly label: number;
  /** Further model inputs, one per entry of {@link DatasetInfo.extraInputs}, in that order. */
  readonly inputs?: readonly Float32Array[];
  /** Metadata, e.g. the Sort-of-CLEVR scene objects or a file path. Not fed to the model. */
  readonly extra?: E;
}
