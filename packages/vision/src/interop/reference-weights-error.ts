/**
 * The base of the errors thrown by the weight maps between AiT.js models and reference PyTorch
 * code ({@link OfficialWeightsError}, {@link TimmWeightsError}): `where` names what was being
 * mapped, `issues` lists every problem found (all are collected before anything is thrown), each
 * with what to do. The message is `where` followed by one indented line per issue.
 */
export class ReferenceWeightsError<Kind extends string> extends Error {
  /**
   * @param kind machine-readable category.
   * @param where what was being mapped, e.g. `AssociativeTransformer 'ait' <- ait.safetensors`.
   * @param issues one line per problem.
   */
  constructor(
    readonly kind: Kind,
    readonly where: string,
    readonly issues: readonly string[],
  ) {
    super(`${where}:\n${issues.map((i) => `  - ${i}`).join('\n')}`);
  }
}
