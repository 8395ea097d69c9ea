import * as tf from '@tensorflow/tfjs-core';
import type { LayerVariable, Shape } from '@tensorflow/tfjs-layers';
import {
  AitLayer,
  assertRank,
  createKernelInitializer,
  knownDim,
  layerLabel,
  toShapeList,
  toTensorList,
  validateConfig,
  z,
  type AitLayerArgs,
  type CallKwargs,
} from '@ait/core';
import { Hopfield, type HopfieldAssociationOutput, type HopfieldInputs, type HopfieldRunOptions } from './hopfield';
import { hopfieldConfigDict, hopfieldOptionsShape, type HopfieldOptions } from './hopfield-options';

const lookupSchema = z.strictObject({
  ...hopfieldOptionsShape,
  quantity: z.number().int().positive().default(1),
  lookupWeightsAsSeparated: z.boolean().default(false),
  lookupTargetsAsTrainable: z.boolean().default(true),
  lookupWeightsTrainable: z.boolean().default(true),
});

/** Options of {@link HopfieldLayer}. */
export interface HopfieldLayerArgs extends AitLayerArgs, HopfieldOptions {
  /** Number of learned stored patterns (table entries); default 1. */
  quantity?: number;
  /** Whether the looked-up targets (pattern projection) are learned separately from the stored patterns; default false (the stored patterns are also the targets). */
  lookupWeightsAsSeparated?: boolean;
  /** Whether the separate targets are trained; default true. */
  lookupTargetsAsTrainable?: boolean;
  /** Whether the stored patterns are trained; default true. */
  lookupWeightsTrainable?: boolean;
}

/** Masks over the learned stored patterns, for the inspection methods. */
export type LookupMasks = Pick<HopfieldInputs, 'storedPatternPaddingMask' | 'associationMask'>;

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
 * 0.02. Serialised as `AitHopfieldLayer`.
 */
export class HopfieldLayer extends AitLayer {
  /** tfjs serialisation name. */
  static className = 'AitHopfieldLayer';
  /** Number of learned stored patterns. */
  readonly quantity: number;
  /** The Hopfield association inside. */
  readonly hopfield: Hopfield;
  private readonly args: z.output<typeof lookupSchema>;
  private lookupWeights: LayerVariable | null = null;
  private lookupTargets: LayerVariable | null = null;
  private stored: tf.Tensor4D | null = null;

  constructor(args: HopfieldLayerArgs = {}) {
    const cfg = validateConfig(layerLabel('HopfieldLayer', args), lookupSchema, args);
    super(args);
    this.args = cfg;
    this.quantity = cfg.quantity;
    const inner: Record<string, unknown> = { ...hopfieldConfigDict(cfg) };
    for (const k of ['storedPatternPaddingMaskInput', 'associationMaskInput', 'returnAssociations', 'storeAssociations']) inner[k] = false;
    this.hopfield = this.track(new Hopfield({ ...inner, name: 'hopfield', trainable: this.trainable }));
  }

  private get where(): string {
    return `HopfieldLayer '${this.name}'`;
  }

  private get maskInputs(): number {
    return (this.args.storedPatternPaddingMaskInput ? 1 : 0) + (this.args.associationMaskInput ? 1 : 0);
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
    const a = this.args;
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
    const targetWidth = this.args.lookupWeightsAsSeparated ? target : lookup;
    return [[b, this.quantity, lookup], x, [b, this.quantity, targetWidth]];
  }

  override build(inputShape: Shape | Shape[]): void {
    const x = this.stateShape(inputShape);
    const { lookup, target } = this.widths(knownDim(this.where, 'x', x, -1));
    this.lookupWeights = this.addWeight(
      'lookup_weights',
      [this.quantity, lookup],
      'float32',
      createKernelInitializer('truncatedNormal'),
      undefined,
      this.args.lookupWeightsTrainable,
    );
    if (this.args.lookupWeightsAsSeparated) {
      this.lookupTargets = this.addWeight(
        'lookup_targets',
        [this.quantity, target],
        'float32',
        createKernelInitializer('truncatedNormal'),
        undefined,
        this.args.lookupTargetsAsTrainable,
      );
    }
    this.buildChild(this.hopfield, this.innerShapes(x));
    this.built = true;
  }

  override computeOutputShape(inputShape: Shape | Shape[]): Shape | Shape[] {
    const x = this.stateShape(inputShape);
    const out = this.hopfield.computeOutputShape(this.innerShapes(x)) as Shape;
    if (!this.args.returnAssociations) return out;
    const extra = (this.args.concatBiasPattern ? 1 : 0) + (this.args.addZeroAssociation ? 1 : 0);
    return [out, [x[0] ?? null, this.hopfield.dimensions.heads, x[1] ?? null, this.quantity + extra]];
  }

  private named(inputs: tf.Tensor | tf.Tensor[], kwargs: CallKwargs | undefined, masks?: LookupMasks): HopfieldInputs {
    const list = toTensorList(inputs);
    if (!this.built) this.build(list.length === 1 ? (list[0] as tf.Tensor).shape : list.map((t) => t.shape));
    if (list.length !== 1 + this.maskInputs) {
      throw new Error(`${this.where}: expects the state patterns x (plus enabled mask inputs), got ${list.length} inputs.`);
    }
    const queries = list[0] as tf.Tensor;
    assertRank(this.where, 'x', queries, [3], '[batch, L, width]');
    let i = 1;
    const kw = (key: string): tf.Tensor | null => {
      const v = kwargs?.[key];
      return v instanceof tf.Tensor ? v : null;
    };
    const padding = this.args.storedPatternPaddingMaskInput ? (list[i++] as tf.Tensor) : kw('storedPatternPaddingMask');
    const association = this.args.associationMaskInput ? (list[i++] as tf.Tensor) : kw('associationMask');
    const batch = queries.shape[0] as number;
    const tileOf = (w: LayerVariable): tf.Tensor => tf.tidy(() => tf.tile(tf.expandDims(w.read(), 0), [batch, 1, 1]));
    const keys = tileOf(this.lookupWeights as LayerVariable);
    const values = this.lookupTargets ? tileOf(this.lookupTargets) : keys;
    return {
      keys,
      queries,
      values,
      storedPatternPaddingMask: masks?.storedPatternPaddingMask ?? padding,
      associationMask: masks?.associationMask ?? association,
    };
  }

  private release(named: HopfieldInputs): void {
    tf.dispose([named.keys, ...(named.values && named.values !== named.keys ? [named.values] : [])]);
  }

  /** Looks the states up; see the class description for inputs and outputs. */
  override call(inputs: tf.Tensor | tf.Tensor[], kwargs: CallKwargs): tf.Tensor | tf.Tensor[] {
    if (!this.built) throw new Error(`${this.where}: call the layer through apply() first.`);
    const named = this.named(inputs, kwargs);
    try {
      const result = this.hopfield.associate(named, { training: this.isTraining(kwargs) });
      result.projectedPatterns.dispose();
      this.keepAssociations(result.associations);
      if (this.args.returnAssociations) return [result.output, result.associations];
      result.associations.dispose();
      return result.output;
    } finally {
      this.release(named);
    }
  }

  /** The association matrix `[batch, heads, L, quantity']` (no dropout). */
  getAssociationMatrix(inputs: tf.Tensor | tf.Tensor[], masks: LookupMasks = {}): tf.Tensor4D {
    const named = this.named(inputs, undefined, masks);
    try {
      const r = this.hopfield.associate(named);
      tf.dispose([r.output, r.projectedPatterns]);
      return r.associations;
    } finally {
      this.release(named);
    }
  }

  /** The projected targets `[batch, heads, quantity', patternSize]`. */
  getProjectedPatternMatrix(inputs: tf.Tensor | tf.Tensor[], masks: LookupMasks = {}): tf.Tensor4D {
    const named = this.named(inputs, undefined, masks);
    try {
      const r = this.hopfield.associate(named);
      tf.dispose([r.output, r.associations]);
      return r.projectedPatterns;
    } finally {
      this.release(named);
    }
  }

  /** Retrieval with the per-head energy after every update (see {@link Hopfield.retrieve}). */
  retrieve(
    inputs: tf.Tensor | tf.Tensor[],
    options: Omit<HopfieldRunOptions, 'recordEnergies' | 'training'> & LookupMasks = {},
  ): HopfieldAssociationOutput {
    const named = this.named(inputs, undefined, options);
    try {
      return this.hopfield.retrieve(named, options);
    } finally {
      this.release(named);
    }
  }

  /** Per-head energy `[batch, heads, L]` of the (projected) states given the learned stored patterns. */
  energy(inputs: tf.Tensor | tf.Tensor[], masks: LookupMasks = {}): tf.Tensor {
    const named = this.named(inputs, undefined, masks);
    try {
      return this.hopfield.energy(named);
    } finally {
      this.release(named);
    }
  }

  private keepAssociations(associations: tf.Tensor4D): void {
    if (!this.args.storeAssociations) return;
    const previous = this.stored;
    this.stored = tf.keep(tf.clone(associations));
    previous?.dispose();
  }

  /**
   * With `storeAssociations`, the association matrix of the last call; else null. It belongs to
   * the layer (valid until the next call or `dispose()`).
   */
  get lastAssociations(): tf.Tensor4D | null {
    return this.stored;
  }

  protected override disposeResources(): void {
    super.disposeResources();
    this.stored?.dispose();
    this.stored = null;
  }

  override getConfig(): tf.serialization.ConfigDict {
    return {
      ...super.getConfig(),
      ...hopfieldConfigDict(this.args),
      quantity: this.quantity,
      lookupWeightsAsSeparated: this.args.lookupWeightsAsSeparated,
      lookupTargetsAsTrainable: this.args.lookupTargetsAsTrainable,
      lookupWeightsTrainable: this.args.lookupWeightsTrainable,
    };
  }
}
tf.serialization.registerClass(HopfieldLayer);
