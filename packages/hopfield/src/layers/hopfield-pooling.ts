import * as tf from '@tensorflow/tfjs-core';
import type { LayerVariable, Shape } from '@tensorflow/tfjs-layers';
import { assertRank, createKernelInitializer, knownDim, layerLabel, toShapeList, validateConfig, z, type AitLayerArgs } from '@ait/core';
import { hopfieldOptionsShape, type HopfieldOptions } from './hopfield-options';
import { LearnedPatternsHopfield, type LearnedPatternInputs, type LearnedPatternMasks } from './learned-patterns-hopfield';

const poolingSchema = z.strictObject({
  ...hopfieldOptionsShape,
  quantity: z.number().int().positive().default(1),
  statePatternTrainable: z.boolean().default(true),
  flattenOutput: z.boolean().default(true),
});

/** Options of {@link HopfieldPooling}. */
export interface HopfieldPoolingArgs extends AitLayerArgs, HopfieldOptions {
  /** Number of learned state patterns (pooled outputs); default 1. */
  quantity?: number;
  /** Whether the learned state patterns are trained; default true. */
  statePatternTrainable?: boolean;
  /** Whether the output is `[batch, quantity * outputWidth]` (default, as ml-jku) or `[batch, quantity, outputWidth]`. */
  flattenOutput?: boolean;
}

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
export class HopfieldPooling extends LearnedPatternsHopfield {
  /** tfjs serialisation name. */
  static className = 'AitHopfieldPooling';
  /** Whether the learned state patterns are trained. */
  readonly statePatternTrainable: boolean;
  /** Whether the output is flattened to `[batch, quantity * outputWidth]`. */
  readonly flattenOutput: boolean;
  private readonly args: z.output<typeof poolingSchema>;
  private statePatterns: LayerVariable | null = null;

  constructor(args: HopfieldPoolingArgs = {}) {
    const cfg = validateConfig(layerLabel('HopfieldPooling', args), poolingSchema, args);
    super(args, cfg);
    this.args = cfg;
    this.statePatternTrainable = cfg.statePatternTrainable;
    this.flattenOutput = cfg.flattenOutput;
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
    return this.args.statePatternAsStatic ? (this.args.hiddenSize ?? storedWidth) : storedWidth;
  }

  override build(inputShape: Shape | Shape[]): void {
    const [k, v] = this.dataShapes(inputShape);
    const width = this.stateWidth(knownDim(this.where, 'the stored patterns', k, -1));
    this.statePatterns = this.addWeight(
      'state_patterns',
      [this.quantity, width],
      'float32',
      createKernelInitializer('truncatedNormal'),
      undefined,
      this.statePatternTrainable,
    );
    this.buildChild(this.hopfield, [k, [k[0] ?? null, this.quantity, width], v]);
    this.built = true;
  }

  override computeOutputShape(inputShape: Shape | Shape[]): Shape | Shape[] {
    const [k, v] = this.dataShapes(inputShape);
    const width = this.stateWidth(knownDim(this.where, 'the stored patterns', k, -1));
    const inner = this.hopfield.computeOutputShape([k, [k[0] ?? null, this.quantity, width], v]) as Shape;
    const batch = k[0] ?? null;
    const outWidth = inner[2] as number;
    const out: Shape = this.flattenOutput ? [batch, this.quantity * outWidth] : [batch, this.quantity, outWidth];
    if (!this.args.returnAssociations) return out;
    const extra = (this.args.concatBiasPattern ? 1 : 0) + (this.args.addZeroAssociation ? 1 : 0);
    const s = k[1] == null ? null : (k[1] as number) + extra;
    return [out, [batch, this.hopfield.dimensions.heads, this.quantity, s]];
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
    if (!this.flattenOutput) return output;
    const [b, q, w] = output.shape as [number, number, number];
    return tf.reshape(output, [b, q * w]);
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { ...super.getConfig(), statePatternTrainable: this.statePatternTrainable, flattenOutput: this.flattenOutput };
  }
}
tf.serialization.registerClass(HopfieldPooling);
