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

const lookupSchema = z.strictObject({
  ...learnedPatternsOptionsShape,
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

  protected readonly dataInputs = { counts: [1], text: 'the state patterns x' };

  constructor(args: HopfieldLayerArgs = {}) {
    super('HopfieldLayer', lookupSchema, args);
  }

  private stateShape(inputShape: Shape | Shape[]): Shape {
    const x = this.dataShapes(inputShape)[0] as Shape;
    assertRank(this.layerLabel, 'x', { shape: x }, [3], '[batch, L, width]');
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
      throw new Error(`${this.layerLabel}: the input width ${width} is not divisible by numHeads = ${heads}; set hiddenSize.`);
    }
    return { lookup, target };
  }

  private innerShapes(x: Shape): Shape[] {
    const { lookup, target } = this.widths(knownDim(this.layerLabel, 'x', x, -1));
    const b = x[0] ?? null;
    const targetWidth = this.config.lookupWeightsAsSeparated ? target : lookup;
    return [[b, this.config.quantity, lookup], x, [b, this.config.quantity, targetWidth]];
  }

  override build(inputShape: Shape | Shape[]): void {
    const x = this.stateShape(inputShape);
    const { lookup, target } = this.widths(knownDim(this.layerLabel, 'x', x, -1));
    this.lookupWeights = this.addLearnedPatterns('lookup_weights', lookup, this.config.lookupWeightsTrainable);
    if (this.config.lookupWeightsAsSeparated) {
      this.lookupTargets = this.addLearnedPatterns('lookup_targets', target, this.config.lookupTargetsAsTrainable);
    }
    this.buildByCalling(hopfieldProbeShapes(toShapeList(inputShape), this.maskInputs, this.config.quantity));
  }

  override computeOutputShape(inputShape: Shape | Shape[]): Shape | Shape[] {
    const x = this.stateShape(inputShape);
    const out = this.hopfield.computeOutputShape(this.innerShapes(x)) as Shape;
    return this.withAssociationsShape(out, x[0] ?? null, x[1] ?? null, this.config.quantity);
  }

  /** Queries: the input `x`; keys (and values, unless separate targets are learned): the learned patterns, tiled over the batch. */
  protected patterns(data: tf.Tensor[]): LearnedPatternInputs {
    const queries = data[0] as tf.Tensor;
    assertRank(this.layerLabel, 'x', queries, [3], '[batch, L, width]');
    const batch = queries.shape[0] as number;
    const keys = this.tiledOverBatch(this.lookupWeights as LayerVariable, batch);
    const values = this.lookupTargets ? this.tiledOverBatch(this.lookupTargets, batch) : keys;
    return { keys, queries, values, created: values === keys ? [keys] : [keys, values] };
  }
}
tf.serialization.registerClass(HopfieldLayer);
