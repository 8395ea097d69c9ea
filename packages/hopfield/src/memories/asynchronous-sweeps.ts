/**
 * Asynchronous (one neuron at a time) sweeps of the binary memories. A sweep is d dependent
 * updates, so it runs as a plain loop over the values of every state in the batch rather than as
 * d tiny tensor programs; the memories download the state once, sweep, and upload the result.
 */

/** Flat arrays and sizes for a sweep: states `[batch, queries, dim]`, per-batch parameters. */
export interface SweepLayout {
  /** Batch size of the states. */
  readonly batch: number;
  /** States per batch element. */
  readonly queries: number;
  /** State width. */
  readonly dim: number;
  /** Whether the parameters hold one set per batch element (else one shared set). */
  readonly batchedParams: boolean;
  /** Neuron order of this sweep (a permutation of `0 .. dim-1`). */
  readonly order: Int32Array;
}

/** The new value of a binary neuron: the sign of its drive, kept as it was on a tie. */
function signOrKeep(drive: number, current: number): number {
  return drive > 0 ? 1 : drive < 0 ? -1 : current;
}

/**
 * One asynchronous sweep of a classical Hopfield network: in `order`, each neuron takes the sign
 * of its field `sum_j W_ij s_j - theta_i`. Never increases `-1/2 s^T W s + theta . s` for a
 * symmetric `W` with a non-negative diagonal. Updates `state` in place.
 *
 * @param weights `[batch|1, dim, dim]` flattened. @param thresholds `[batch|1, dim]` or null.
 */
export function classicalSweep(state: Float32Array, weights: Float32Array, thresholds: Float32Array | null, layout: SweepLayout): void {
  const { batch, queries, dim, batchedParams, order } = layout;
  for (let b = 0; b < batch; b++) {
    const wOff = (batchedParams ? b : 0) * dim * dim;
    const tOff = (batchedParams ? b : 0) * dim;
    for (let q = 0; q < queries; q++) {
      const sOff = (b * queries + q) * dim;
      for (let k = 0; k < dim; k++) {
        const i = order[k] as number;
        let field = thresholds ? -(thresholds[tOff + i] as number) : 0;
        const row = wOff + i * dim;
        for (let j = 0; j < dim; j++) field += (weights[row + j] as number) * (state[sOff + j] as number);
        state[sOff + i] = signOrKeep(field, state[sOff + i] as number);
      }
    }
  }
}

/**
 * One asynchronous sweep of a dense associative memory (Krotov and Hopfield 2016): in `order`,
 * neuron `i` takes the value (+1 or -1) of lower energy `-sum_mu F(x_mu . s)`, i.e. the sign of
 * `sum_mu F(a_mu + x_mu_i) - F(a_mu - x_mu_i)` with `a_mu` the overlap without neuron `i`. Never
 * increases the energy. Updates `state` in place.
 *
 * @param patterns `[batch|1, patterns, dim]` flattened. @param f The interaction function `F`.
 * @param shiftInvariant Whether `F(z - c)` is `F(z)` times a positive factor (the exponential);
 *   then the drive is evaluated relative to the largest `a_mu` so that it cannot overflow.
 */
export function denseSweep(
  state: Float32Array,
  patterns: Float32Array,
  numPatterns: number,
  f: (z: number) => number,
  shiftInvariant: boolean,
  layout: SweepLayout,
): void {
  const { batch, queries, dim, batchedParams, order } = layout;
  const overlaps = new Float64Array(numPatterns);
  for (let b = 0; b < batch; b++) {
    const pOff = (batchedParams ? b : 0) * numPatterns * dim;
    for (let q = 0; q < queries; q++) {
      const sOff = (b * queries + q) * dim;
      for (let mu = 0; mu < numPatterns; mu++) {
        let m = 0;
        const row = pOff + mu * dim;
        for (let j = 0; j < dim; j++) m += (patterns[row + j] as number) * (state[sOff + j] as number);
        overlaps[mu] = m;
      }
      for (let k = 0; k < dim; k++) {
        const i = order[k] as number;
        const si = state[sOff + i] as number;
        let shift = 0;
        if (shiftInvariant) {
          shift = -Infinity;
          for (let mu = 0; mu < numPatterns; mu++) {
            const a = (overlaps[mu] as number) - (patterns[pOff + mu * dim + i] as number) * si;
            if (a > shift) shift = a;
          }
        }
        let drive = 0;
        for (let mu = 0; mu < numPatterns; mu++) {
          const c = patterns[pOff + mu * dim + i] as number;
          const a = (overlaps[mu] as number) - c * si - shift;
          drive += f(a + c) - f(a - c);
        }
        const next = signOrKeep(drive, si);
        if (next !== si) {
          for (let mu = 0; mu < numPatterns; mu++) {
            overlaps[mu] = (overlaps[mu] as number) + (patterns[pOff + mu * dim + i] as number) * (next - si);
          }
          state[sOff + i] = next;
        }
      }
    }
  }
}
