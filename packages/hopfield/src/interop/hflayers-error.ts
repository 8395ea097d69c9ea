/** What is wrong when an hflayers module and an AiT.js Hopfield layer do not fit each other. */
export type HflayersInteropErrorKind =
  /** One side has an option the other computes differently (or cannot express): no map would be right. */
  | 'unsupported-config'
  /** The tensors do not fit the config: missing, unknown, or of another shape or dtype. */
  | 'mismatch'
  /** The AiT.js layer has no weights yet (export needs a built layer). */
  | 'not-built';

/**
 * Thrown by the maps between `@ait/hopfield`'s layers and ml-jku's PyTorch `hflayers` modules
 * (see `hflayersWeightMap`). `issues` lists every problem found (all are collected before anything
 * is thrown), each naming the option or tensor and what to do.
 */
export class HflayersInteropError extends Error {
  override readonly name = 'HflayersInteropError';

  /**
   * @param kind machine-readable category.
   * @param where what was being mapped, e.g. `hflayers HopfieldPooling -> AiT.js`.
   * @param issues one line per problem.
   */
  constructor(
    readonly kind: HflayersInteropErrorKind,
    readonly where: string,
    readonly issues: readonly string[],
  ) {
    super(`${where}:\n${issues.map((i) => `  - ${i}`).join('\n')}`);
  }
}
