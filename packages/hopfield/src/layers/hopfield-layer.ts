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

const lookupSchema = z.strictObject({
  ...hopfieldOptionsShape,
  /** Number of learned stored patterns (table entries); default 1. */
  quantity: z.number().int().positive().default(1),
  /** Whether the looked-up targets (pattern projection) are learned separately from the stored patterns; default false (the stored patterns are also the targets). */
  lookupWeightsAsSeparated: z.boolean().default(false),
  /** Whether the separate targets are trained; default true. */
  lookupTargetsAsTrainable: z.boolean().default(true),
  /** Whether the stored patterns are trained; default true. */
  lookupWeightsTrainable: z.boolean().default(true),
});

/** Options of {@link HopfieldLayer}: the Hopfield options and its own (each documented on the schema), plus the tfjs layer arguments. */
export type HopfieldLayerArgs = LayerArgsOf<typeof lookupSchema>;

/** Masks over the learned stored patterns, for the inspection methods. */
export type LookupMasks = LearnedPatternMasks;

/**
 * Hopfield lookup layer (ml-jku `HopfieldLayer`): the stored patterns (and, separately or not, the
 * targets they retrieve) are `quantity` learned weights; the input provides the state patterns.
 * Works like a differentiable lookup table, or a learned prototype memory.
 *
 * Input: `x [batch, L, width]` (then the optional mask inputs of {@link Hopfield}, over the
 * `quantity` stored patterns). Output: `[batch, L, outputWidth]`, plus associations
 * `[batch, heads, L, quantity']` with `returnAssociations`. Learned weights: `lookup_weights
 * [quantity, width]` (width of the input, or `hiddenSize` when `storedPatternAsStatic`) and
 * with `lookupWeightsAsSeparated` `lookup_targets [quantity, width']`, truncated normals with stddev
 * 0.02. The association, masks, inspection methods and config are those of
 * {@link LearnedPatternsHopfield}. Serialised as `AitHopfieldLayer`.
 */
export class HopfieldLayer extends LearnedPatternsHopfield<LayerConfigOf<typeof lookupSchema>> {
  /** tfjs serialisation name. */
  static className = 'AitHopfieldLayer';
  private lookupWeights: LayerVariable | null = null;
  private lookupTargets: LayerVariable | null = null;

  constructor(args: HopfieldLayerArgs = {}) {
    super(args, parseLayerConfig('HopfieldLayer', lookupSchema, args));
  }

  protected get where(): string {
    return `HopfieldLayer '${this.name}'`;
  }

  private stateShape(inputShape: Shape | Shape[]): Shape {
    const shapes = toShapeList(inputShape);
    if (shapes.length !== 1 + this.maskInputs) {
      throw new Error(
        `${this.where}: expects the state patterns x${this.maskInputs ? ` followed by ${this.maskInputs} mask input(s)` : ''}, got ${shapes.length} inputs.`,
      );
    }
    const x = shapes[0] as Shape;
    assertRank(this.where, 'x', { shape: x }, [3], '[batch, L, width]');
    return x;
  }

  /** Widths of the learned stored patterns and targets for inputs of width `width`. */
  private widths(width: number): { lookup: number; target: number } {
    const a = this.config;
    const heads = a.numHeads;
    const hidden = a.hiddenSize ?? (a.statePatternAsStatic ? width : width / heads);
    const lookup = a.storedPatternAsStatic ? hidden : width;
    const staticTargets = a.patternProjectionAsStatic && !a.patternProjectionAsConnected;
    const target = staticTargets ? (a.patternSize ?? hidden) : lookup;
    if (!Number.isInteger(lookup) || !Number.isInteger(target)) {
      throw new Error(`${this.where}: the input width ${width} is not divisible by numHeads = ${heads}; set hiddenSize.`);
    }
    return { lookup, target };
  }

  private innerShapes(x: Shape): Shape[] {
    const { lookup, target } = this.widths(knownDim(this.where, 'x', x, -1));
    const b = x[0] ?? null;
    const targetWidth = this.config.lookupWeightsAsSeparated ? target : lookup;
    return [[b, this.config.quantity, lookup], x, [b, this.config.quantity, targetWidth]];
  }

  override build(inputShape: Shape | Shape[]): void {
    const x = this.stateShape(inputShape);
    const { lookup, target } = this.widths(knownDim(this.where, 'x', x, -1));
    this.lookupWeights = this.addWeight(
      'lookup_weights',
      [this.config.quantity, lookup],
      'float32',
      createKernelInitializer('truncatedNormal'),
      undefined,
      this.config.lookupWeightsTrainable,
    );
    if (this.config.lookupWeightsAsSeparated) {
      this.lookupTargets = this.addWeight(
        'lookup_targets',
        [this.config.quantity, target],
        'float32',
        createKernelInitializer('truncatedNormal'),
        undefined,
        this.config.lookupTargetsAsTrainable,
      );
    }
    this.buildChild(this.hopfield, this.innerShapes(x));
    this.built = true;
  }

  override computeOutputShape(inputShape: Shape | Shape[]): Shape | Shape[] {
    const x = this.stateShape(inputShape);
    const out = this.hopfield.computeOutputShape(this.innerShapes(x)) as Shape;
    if (!this.config.returnAssociations) return out;
    const extra = (this.config.concatBiasPattern ? 1 : 0) + (this.config.addZeroAssociation ? 1 : 0);
    return [out, [x[0] ?? null, this.hopfield.dimensions.heads, x[1] ?? null, this.config.quantity + extra]];
  }

  protected dataInputs(count: number, total: number): void {
    if (count !== 1) throw new Error(`${this.where}: expects the state patterns x (plus enabled mask inputs), got ${total} inputs.`);
  }

  /** Queries: the input `x`; keys (and values, unless separate targets are learned): the learned patterns, tiled over the batch. */
  protected patterns(data: tf.Tensor[]): LearnedPatternInputs {
    const queries = data[0] as tf.Tensor;
    assertRank(this.where, 'x', queries, [3], '[batch, L, width]');
    const batch = queries.shape[0] as number;
    const tileOf = (w: LayerVariable): tf.Tensor => tf.tidy(() => tf.tile(tf.expandDims(w.read(), 0), [batch, 1, 1]));
    const keys = tileOf(this.lookupWeights as LayerVariable);
    const values = this.lookupTargets ? tileOf(this.lookupTargets) : keys;
    return { keys, queries, values, created: values === keys ? [keys] : [keys, values] };
  }
}
tf.serialization.registerClass(HopfieldLayer);
