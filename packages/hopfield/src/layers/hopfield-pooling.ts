import * as tf from '@tensorflow/tfjs-core';
import type { LayerVariable, Shape } from '@tensorflow/tfjs-layers';
import {
  assertRank,
  createKernelInitializer,
  knownDim,
  parseLayerConfig,
  toShapeList,
  z,
  type LayerArgsOf,
  type LayerConfigOf,
} from '@ait/core';
import { hopfieldOptionsShape } from './hopfield-options';
import { LearnedPatternsHopfield, type LearnedPatternInputs, type LearnedPatternMasks } from './learned-patterns-hopfield';

const poolingSchema = z.strictObject({
  ...hopfieldOptionsShape,
  /** Number of learned state patterns (pooled outputs); default 1. */
  quantity: z.number().int().positive().default(1),
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
 */
export class HopfieldPooling extends LearnedPatternsHopfield<LayerConfigOf<typeof poolingSchema>> {
  /** tfjs serialisation name. */
  static className = 'AitHopfieldPooling';
  private statePatterns: LayerVariable | null = null;

  constructor(args: HopfieldPoolingArgs = {}) {
    super(args, parseLayerConfig('HopfieldPooling', poolingSchema, args));
  }

  protected get where(): string {
    return `HopfieldPooling '${this.name}'`;
  }

  private dataShapes(inputShape: Shape | Shape[]): [Shape, Shape] {
    const shapes = toShapeList(inputShape);
    const data = shapes.length - this.maskInputs;
    if (data !== 1 && data !== 2) {
      throw new Error(
        `${this.where}: expects x or [storedPatterns, patternProjection]${this.maskInputs ? ` followed by ${this.maskInputs} mask input(s)` : ''}, got ${shapes.length} inputs.`,
      );
    }
    const k = shapes[0] as Shape;
    const v = data === 2 ? (shapes[1] as Shape) : k;
    assertRank(this.where, 'the stored patterns', { shape: k }, [3], '[batch, S, width]');
    assertRank(this.where, 'the pattern projection', { shape: v }, [3], '[batch, S, width]');
    return [k, v];
  }

  /** Width of the learned state patterns for stored patterns of width `storedWidth`. */
  private stateWidth(storedWidth: number): number {
    return this.config.statePatternAsStatic ? (this.config.hiddenSize ?? storedWidth) : storedWidth;
  }

  override build(inputShape: Shape | Shape[]): void {
    const [k, v] = this.dataShapes(inputShape);
    const width = this.stateWidth(knownDim(this.where, 'the stored patterns', k, -1));
    this.statePatterns = this.addWeight(
      'state_patterns',
      [this.config.quantity, width],
      'float32',
      createKernelInitializer('truncatedNormal'),
      undefined,
      this.config.statePatternTrainable,
    );
    this.buildChild(this.hopfield, [k, [k[0] ?? null, this.config.quantity, width], v]);
    this.built = true;
  }

  override computeOutputShape(inputShape: Shape | Shape[]): Shape | Shape[] {
    const [k, v] = this.dataShapes(inputShape);
    const width = this.stateWidth(knownDim(this.where, 'the stored patterns', k, -1));
    const { quantity, flattenOutput, returnAssociations, concatBiasPattern, addZeroAssociation } = this.config;
    const inner = this.hopfield.computeOutputShape([k, [k[0] ?? null, quantity, width], v]) as Shape;
    const batch = k[0] ?? null;
    const outWidth = inner[2] as number;
    const out: Shape = flattenOutput ? [batch, quantity * outWidth] : [batch, quantity, outWidth];
    if (!returnAssociations) return out;
    const extra = (concatBiasPattern ? 1 : 0) + (addZeroAssociation ? 1 : 0);
    const s = k[1] == null ? null : (k[1] as number) + extra;
    return [out, [batch, this.hopfield.dimensions.heads, quantity, s]];
  }

  protected dataInputs(count: number, total: number): void {
    if (count !== 1 && count !== 2) {
      throw new Error(`${this.where}: expects x or [storedPatterns, patternProjection] (plus enabled mask inputs), got ${total} inputs.`);
    }
  }

  /** Keys and values: the set (`x`, or stored patterns and projection); queries: the learned state patterns, tiled over the batch. */
  protected patterns(data: tf.Tensor[]): LearnedPatternInputs {
    const keys = data[0] as tf.Tensor;
    assertRank(this.where, 'the stored patterns', keys, [3], '[batch, S, width]');
    const values = data.length === 2 ? (data[1] as tf.Tensor) : keys;
    const batch = keys.shape[0] as number;
    const state = this.statePatterns as LayerVariable;
    const queries = tf.tidy(() => tf.tile(tf.expandDims(state.read(), 0), [batch, 1, 1]));
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
