/**
 * What went wrong with a pretrained model: `unknown-name` (no shipped model has the name),
 * `weights-unavailable` (the weight module or the bytes could not be had), `size` or `checksum`
 * (the bytes are not the file the manifest describes), `mismatch` (the weights do not fit the model
 * the manifest builds), `invalid-manifest` (a manifest that is not a pretrained-model manifest),
 * `invalid-request` (options that cannot go with pretrained weights).
 */
export type PretrainedModelErrorKind =
  'unknown-name' | 'weights-unavailable' | 'size' | 'checksum' | 'mismatch' | 'invalid-manifest' | 'invalid-request';

/** An error of `listPretrained`, `loadPretrainedModel` or `modelFromPretrainedWeights`; the message names the problem and the fix. */
export class PretrainedModelError extends Error {
  /** What kind of problem it is. */
  readonly kind: PretrainedModelErrorKind;

  constructor(kind: PretrainedModelErrorKind, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'PretrainedModelError';
    this.kind = kind;
  }
}
