/** Something with a shape: an eager tensor, a symbolic tensor or a plain shape holder. */
export interface HasShape {
  readonly shape: readonly (number | null)[];
}

/** Formats a shape for error messages, e.g. `[2, null, 8]`. */
export function formatShape(shape: readonly (number | null)[]): string {
  return `[${shape.map((d) => (d === null ? 'null' : String(d))).join(', ')}]`;
}

/**
 * Throws unless `x` has one of `ranks`.
 *
 * @param where Who checks, e.g. `MultiHeadAttention 'mha'`; starts the message.
 * @param what The argument's name, e.g. `query`.
 * @param expected The expected layout in words, e.g. `[batch, tokens, dim]`.
 */
export function assertRank(where: string, what: string, x: HasShape, ranks: readonly number[], expected: string): void {
  if (!ranks.includes(x.shape.length)) {
    throw new Error(
      `${where}: ${what} must have rank ${ranks.join(' or ')} ${expected}, ` +
        `got rank ${x.shape.length} with shape ${formatShape(x.shape)}.`,
    );
  }
}

/**
 * Throws unless `x` has rank at least `minRank`.
 *
 * @param expected The expected layout in words, e.g. `[..., features]`.
 */
export function assertMinRank(where: string, what: string, x: HasShape, minRank: number, expected: string): void {
  if (x.shape.length < minRank) {
    throw new Error(
      `${where}: ${what} must have rank >= ${minRank} ${expected}, ` + `got rank ${x.shape.length} with shape ${formatShape(x.shape)}.`,
    );
  }
}

/**
 * Throws unless the last dimension of `x` equals `size`.
 *
 * @param fix What the caller should do instead, appended to the message.
 */
export function assertLastDim(where: string, what: string, x: HasShape, size: number, fix = ''): void {
  const last = x.shape[x.shape.length - 1];
  if (last !== size) {
    throw new Error(`${where}: the last dimension of ${what} must be ${size}, got shape ${formatShape(x.shape)}.` + (fix ? ` ${fix}` : ''));
  }
}

/** Throws unless `value` is a positive integer. */
export function assertPositiveInt(where: string, what: string, value: number): void {
  if (!Number.isInteger(value) || value <= 0) {
    throw new Error(`${where}: ${what} must be a positive integer, got ${value}.`);
  }
}

/** Throws unless `rate` is a probability in [0, 1) (a dropout-style rate). */
export function assertRate(where: string, what: string, rate: number): void {
  if (!Number.isFinite(rate) || rate < 0 || rate >= 1) {
    throw new Error(`${where}: ${what} must be in [0, 1), got ${rate}.`);
  }
}

/** Throws unless `x` has a floating-point dtype. */
export function assertFloat(where: string, what: string, x: { readonly dtype: string }): void {
  if (x.dtype !== 'float32') {
    throw new Error(`${where}: ${what} must be float32, got ${x.dtype}. Cast it with tf.cast(x, 'float32').`);
  }
}
