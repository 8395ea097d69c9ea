import * as tf from '@tensorflow/tfjs-core';
import type { Shape } from '@tensorflow/tfjs-layers';
import { assertFloat, assertRank, formatShape, widthOnlyShape, type CallKwargs } from '@ait/core';
import type { HopfieldDimensions } from './hopfield-dimensions';
import type { HopfieldConfig } from './hopfield-options';

/**
 * Named inputs of a Hopfield association: `keys` are the stored patterns, `queries` the state
 * patterns and `values` the pattern projection (ml-jku's stored pattern / state pattern / pattern
 * projection).
 */
export interface HopfieldInputs {
  /** Stored patterns `[batch, S, storedWidth]`. */
  keys: tf.Tensor;
  /** State patterns `[batch, L, stateWidth]`. */
  queries: tf.Tensor;
  /** Pattern projection input `[batch, S, projectionWidth]`; default `keys`. */
  values?: tf.Tensor | null;
  /** Valid stored patterns `[batch, S]`: 1 = valid, 0 = padding. */
  storedPatternPaddingMask?: tf.Tensor | null;
  /** Allowed associations `[L, S]`, `[batch, L, S]` or `[batch, heads, L, S]`: 1 = allowed, 0 = blocked. */
  associationMask?: tf.Tensor | null;
}

/** The two masks of {@link HopfieldInputs}, as the inspection methods take them. */
export type HopfieldMasks = Pick<HopfieldInputs, 'storedPatternPaddingMask' | 'associationMask'>;

/** Options of {@link Hopfield.associate} and the inspection methods. */
export interface HopfieldRunOptions {
  /** Whether this is a training pass (association dropout on); default false. */
  training?: boolean;
  /** Overrides the layer's `updateStepsMax` for this call. */
  updateStepsMax?: number | null;
  /** Overrides the layer's `updateStepsEps` for this call. */
  updateStepsEps?: number | number[];
  /** Whether to record the energy of the state after every update; default false. */
  recordEnergies?: boolean;
}

/** Everything one association computes; the caller owns the tensors (`dispose()` frees them). */
export interface HopfieldAssociationOutput {
  /** The layer output `[batch, L, outputWidth]`. */
  output: tf.Tensor;
  /** Association matrix before dropout, `[batch, heads, L, S']` (S' counts bias and zero patterns). */
  associations: tf.Tensor4D;
  /** Projected patterns (values in the Hopfield space), `[batch, heads, S', patternSize]`. */
  projectedPatterns: tf.Tensor4D;
  /** With `recordEnergies`: per-head energy of the state before and after each update, `[steps + 1, batch, heads, L]`. */
  energies: tf.Tensor | null;
  /** Updates performed (the longest-running head). */
  steps: number;
  /** Frees the tensors above. */
  dispose(): void;
}

/** The mask switches of a Hopfield layer's config. */
type MaskSwitches = Pick<HopfieldConfig, 'storedPatternPaddingMaskInput' | 'associationMaskInput'>;

/** How many mask inputs follow a Hopfield layer's data inputs (0, 1 or 2). */
export function maskInputCount(config: MaskSwitches): number {
  return (config.storedPatternPaddingMaskInput ? 1 : 0) + (config.associationMaskInput ? 1 : 0);
}

/**
 * The masks of one call: the mask inputs that follow the `dataCount` data inputs in `list` where
 * the config enables them, else the eager keyword arguments `{ storedPatternPaddingMask,
 * associationMask }` of `apply`.
 */
export function masksOfCall(
  config: MaskSwitches,
  list: readonly tf.Tensor[],
  dataCount: number,
  kwargs: CallKwargs | undefined,
): HopfieldMasks {
  const fromKwargs = (key: keyof HopfieldMasks): tf.Tensor | null => {
    const v = kwargs?.[key];
    return v instanceof tf.Tensor ? v : null;
  };
  let i = dataCount;
  const storedPatternPaddingMask = config.storedPatternPaddingMaskInput ? (list[i++] as tf.Tensor) : fromKwargs('storedPatternPaddingMask');
  const associationMask = config.associationMaskInput ? (list[i++] as tf.Tensor) : fromKwargs('associationMask');
  return { storedPatternPaddingMask, associationMask };
}

/**
 * Checks named inputs against the widths a Hopfield layer was built for: rank 3, float, the built
 * widths, one batch size, one value per stored pattern. `where` names the layer in errors.
 */
export function checkHopfieldInputs(where: string, inputs: HopfieldInputs, dims: HopfieldDimensions): void {
  const values = inputs.values ?? inputs.keys;
  const parts: [string, tf.Tensor, number][] = [
    ['keys (stored patterns)', inputs.keys, dims.stored],
    ['queries (state patterns)', inputs.queries, dims.state],
    ['values (pattern projection)', values, dims.projection],
  ];
  for (const [what, t, width] of parts) {
    assertRank(where, what, t, [3], '[batch, patterns, width]');
    assertFloat(where, what, t);
    if (t.shape[2] !== width) {
      throw new Error(
        `${where}: ${what} must have width ${width} (the layer was built for it), got ${formatShape(t.shape)}; use a new layer for other widths.`,
      );
    }
  }
  const batch = inputs.queries.shape[0];
  if (inputs.keys.shape[0] !== batch || values.shape[0] !== batch) {
    throw new Error(
      `${where}: keys ${formatShape(inputs.keys.shape)}, queries ${formatShape(inputs.queries.shape)} and values ` +
        `${formatShape(values.shape)} must have the same batch size.`,
    );
  }
  if (values.shape[1] !== inputs.keys.shape[1]) {
    throw new Error(
      `${where}: values ${formatShape(values.shape)} must hold one pattern per stored pattern (keys ${formatShape(inputs.keys.shape)}).`,
    );
  }
}

/**
 * The input shapes a Hopfield layer's build runs its forward pass on (`AitLayer.buildByCalling`),
 * from the shapes it is built for: each data input of one example and one pattern of its width
 * (`[null, null, width]`), then each of the `maskInputs` mask inputs with every dimension 1 but
 * the last, the `storedPatterns` stored patterns that pass associates with (1 when they come from
 * the data, the learned ones' `quantity` when they are learned).
 */
export function hopfieldProbeShapes(shapes: readonly Shape[], maskInputs: number, storedPatterns: number): Shape[] {
  const data = shapes.length - maskInputs;
  return shapes.map((s, i) =>
    i < data ? widthOnlyShape(s, s[s.length - 1] as number) : s.map((_, j) => (j === s.length - 1 ? storedPatterns : null)),
  );
}
