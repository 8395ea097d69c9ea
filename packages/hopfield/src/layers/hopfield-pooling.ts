import * as tf from '@tensorflow/tfjs-core';
import type { LayerVariable, Shape } from '@tensorflow/tfjs-layers';
import { assertRank, knownDim, toShapeList, z, type LayerArgsOf, type LayerConfigOf } from '@ait/core';
import { hopfieldProbeShapes } from './hopfield-inputs';
import {
  learnedPatternsOptionsShape,
  LearnedPatternsHopfield,
  type LearnedPatternInputs,
  type LearnedPatternMasks,
} from './learned-patterns-hopfield';

const poolingSchema = z.strictObject({
  ...learnedPatternsOptionsShape,
  /** Whether the learned state patterns are trained; default true. */
  statePatternTrainable: z.boolean().default(true),
  /** Whether the output is `[batch, quantity * outputWidth]` (default, as ml-jku) or `[batch, quantity, outputWidth]`. */
  flattenOutput: z.boolean().default(true),
});

/** Options of {@link HopfieldPooling}: the Hopfield options and its own (each documented on the schema), plus the tfjs layer arguments. */
export type HopfieldPoolingArgs = LayerArgsOf<typeof poolingSchema>;

/** Masks of the pooled set, for the inspection methods. */
export type PoolingMasks = LearnedPatternMasks;

/**
 * Hopfield pooling (ml-jku `HopfieldPooling`): `quantity` learned state patterns associate with
 * a set of stored patterns, pooling a set of any size to a fixed size.
 *
 * Inputs: `x [batch, S, width]` (stored patterns and pattern projection), or
 * `[storedPatterns [batch, S, ks], patternProjection [batch, S, vs]]`; then the optional mask
 * inputs of {@link Hopfield} (the association mask is `[quantity, S]`-shaped). Output:
 * `[batch, quantity * outputWidth]` (or `[batch, quantity, outputWidth]` without `flattenOutput`),
 * plus the association matrix `[batch, heads, quantity, S']` with `returnAssociations`.
 * The learned state patterns `[quantity, width]` (width of the stored patterns, or `hiddenSize`
 * when `statePatternAsStatic`) start as truncated normals with stddev 0.02. The association,
 * masks, inspection methods and config are those of {@link LearnedPatternsHopfield}. Serialised
 * as `AitHopfieldPooling`.
 *
 * @example
 * ```ts
 * import * as tf from '@tensorflow/tfjs-core';
 * import { HopfieldPooling, initBackend } from '@ait/hopfield';
 *
 * await initBackend({ backend: 'cpu' });
 * // two learned state patterns pool a bag of any size into two vectors
 * const pooling = new HopfieldPooling({ quantity: 2, numHeads: 2, hiddenSize: 8 });
 * const bags = tf.randomNormal([3, 7, 16]); // [batch, S, width]: 3 bags of 7 vectors
 * const pooled = pooling.apply(bags) as tf.Tensor; // [3, 32]: quantity * width
 * ```
 */
export class HopfieldPooling extends LearnedPatternsHopfield<LayerConfigOf<typeof poolingSchema>> {
  /** tfjs serialisation name. */
  static className = 'AitHopfieldPooling';
  private statePatterns: LayerVariable | null = null;

  protected readonly dataInputs = { counts: [1, 2], text: 'x or [storedPatterns, patternProjection]' };

  constructor(args: HopfieldPoolingArgs = {}) {
    super('HopfieldPooling', poolingSchema, args);
  }

  /** The stored patterns and the pattern projection (`x` for both when one data input is given). */
  private setShapes(inputShape: Shape | Shape[]): [Shape, Shape] {
    const data = this.dataShapes(inputShape);
    const k = data[0] as Shape;
    const v = data.length === 2 ? (data[1] as Shape) : k;
    assertRank(this.layerLabel, 'the stored patterns', { shape: k }, [3], '[batch, S, width]');
    assertRank(this.layerLabel, 'the pattern projection', { shape: v }, [3], '[batch, S, width]');
    return [k, v];
  }

  /** Width of the learned state patterns for stored patterns of width `storedWidth`. */
  private stateWidth(storedWidth: number): number {
    return this.config.statePatternAsStatic ? (this.config.hiddenSize ?? storedWidth) : storedWidth;
  }

  override build(inputShape: Shape | Shape[]): void {
    const [k] = this.setShapes(inputShape);
    const width = this.stateWidth(knownDim(this.layerLabel, 'the stored patterns', k, -1));
    this.statePatterns = this.addLearnedPatterns('state_patterns', width, this.config.statePatternTrainable);
    this.buildByCalling(hopfieldProbeShapes(toShapeList(inputShape), this.maskInputs, 1));
  }

  override computeOutputShape(inputShape: Shape | Shape[]): Shape | Shape[] {
    const [k, v] = this.setShapes(inputShape);
    const width = this.stateWidth(knownDim(this.layerLabel, 'the stored patterns', k, -1));
    const { quantity, flattenOutput } = this.config;
    const inner = this.hopfield.computeOutputShape([k, [k[0] ?? null, quantity, width], v]) as Shape;
    const batch = k[0] ?? null;
    const outWidth = inner[2] as number;
    const out: Shape = flattenOutput ? [batch, quantity * outWidth] : [batch, quantity, outWidth];
    return this.withAssociationsShape(out, batch, quantity, k[1] ?? null);
  }

  /** Keys and values: the set (`x`, or stored patterns and projection); queries: the learned state patterns, tiled over the batch. */
  protected patterns(data: tf.Tensor[]): LearnedPatternInputs {
    const keys = data[0] as tf.Tensor;
    assertRank(this.layerLabel, 'the stored patterns', keys, [3], '[batch, S, width]');
    const values = data.length === 2 ? (data[1] as tf.Tensor) : keys;
    const queries = this.tiledOverBatch(this.statePatterns as LayerVariable, keys.shape[0] as number);
    return { keys, queries, values, created: [queries] };
  }

  /** `[batch, quantity, outputWidth]`, flattened to `[batch, quantity * outputWidth]` with `flattenOutput`. */
  protected override finishOutput(output: tf.Tensor): tf.Tensor {
    if (!this.config.flattenOutput) return output;
    const [b, q, w] = output.shape as [number, number, number];
    return tf.reshape(output, [b, q * w]);
  }
}
tf.serialization.registerClass(HopfieldPooling);
