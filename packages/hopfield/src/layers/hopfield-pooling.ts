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
export type PoolingMasks = Pick<HopfieldInputs, 'storedPatternPaddingMask' | 'associationMask'>;

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
 * when `statePatternAsStatic`) start as truncated normals with stddev 0.02. Serialised as
 * `AitHopfieldPooling`.
 */
export class HopfieldPooling extends AitLayer {
  /** tfjs serialisation name. */
  static className = 'AitHopfieldPooling';
  /** Number of learned state patterns. */
  readonly quantity: number;
  /** Whether the learned state patterns are trained. */
  readonly statePatternTrainable: boolean;
  /** Whether the output is flattened to `[batch, quantity * outputWidth]`. */
  readonly flattenOutput: boolean;
  /** The Hopfield association inside. */
  readonly hopfield: Hopfield;
  private readonly args: z.output<typeof poolingSchema>;
  private statePatterns: LayerVariable | null = null;
  private stored: tf.Tensor4D | null = null;

  constructor(args: HopfieldPoolingArgs = {}) {
    const cfg = validateConfig(layerLabel('HopfieldPooling', args), poolingSchema, args);
    super(args);
    this.args = cfg;
    this.quantity = cfg.quantity;
    this.statePatternTrainable = cfg.statePatternTrainable;
    this.flattenOutput = cfg.flattenOutput;
    const inner: Record<string, unknown> = { ...hopfieldConfigDict(cfg) };
    for (const k of ['storedPatternPaddingMaskInput', 'associationMaskInput', 'returnAssociations', 'storeAssociations']) inner[k] = false;
    this.hopfield = this.track(new Hopfield({ ...inner, name: 'hopfield', trainable: this.trainable }));
  }

  private get where(): string {
    return `HopfieldPooling '${this.name}'`;
  }

  private get maskInputs(): number {
    return (this.args.storedPatternPaddingMaskInput ? 1 : 0) + (this.args.associationMaskInput ? 1 : 0);
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

  private named(inputs: tf.Tensor | tf.Tensor[], kwargs: CallKwargs | undefined, masks?: PoolingMasks): HopfieldInputs {
    const list = toTensorList(inputs);
    if (!this.built) this.build(list.length === 1 ? (list[0] as tf.Tensor).shape : list.map((t) => t.shape));
    const data = list.length - this.maskInputs;
    if (data !== 1 && data !== 2) {
      throw new Error(`${this.where}: expects x or [storedPatterns, patternProjection] (plus enabled mask inputs), got ${list.length} inputs.`);
    }
    const keys = list[0] as tf.Tensor;
    assertRank(this.where, 'the stored patterns', keys, [3], '[batch, S, width]');
    const values = data === 2 ? (list[1] as tf.Tensor) : keys;
    let i = data;
    const kw = (key: string): tf.Tensor | null => {
      const v = kwargs?.[key];
      return v instanceof tf.Tensor ? v : null;
    };
    const padding = this.args.storedPatternPaddingMaskInput ? (list[i++] as tf.Tensor) : kw('storedPatternPaddingMask');
    const association = this.args.associationMaskInput ? (list[i++] as tf.Tensor) : kw('associationMask');
    const batch = keys.shape[0] as number;
    const state = this.statePatterns as LayerVariable;
    const queries = tf.tidy(() => tf.tile(tf.expandDims(state.read(), 0), [batch, 1, 1]));
    return {
      keys,
      queries,
      values,
      storedPatternPaddingMask: masks?.storedPatternPaddingMask ?? padding,
      associationMask: masks?.associationMask ?? association,
    };
  }

  private finish(output: tf.Tensor): tf.Tensor {
    if (!this.flattenOutput) return output;
    const [b, q, w] = output.shape as [number, number, number];
    return tf.reshape(output, [b, q * w]);
  }

  /** Pools the set; see the class description for inputs and outputs. */
  override call(inputs: tf.Tensor | tf.Tensor[], kwargs: CallKwargs): tf.Tensor | tf.Tensor[] {
    if (!this.built) throw new Error(`${this.where}: call the layer through apply() first.`);
    const r = tf.tidy(() => {
      const named = this.named(inputs, kwargs);
      const result = this.hopfield.associate(named, { training: this.isTraining(kwargs) });
      return [this.finish(result.output), result.associations];
    });
    const [out, assoc] = r as [tf.Tensor, tf.Tensor4D];
    this.keepAssociations(assoc);
    if (this.args.returnAssociations) return [out, assoc];
    assoc.dispose();
    return out;
  }

  /** The association matrix `[batch, heads, quantity, S']` (no dropout). */
  getAssociationMatrix(inputs: tf.Tensor | tf.Tensor[], masks: PoolingMasks = {}): tf.Tensor4D {
    return tf.tidy(() => {
      const r = this.hopfield.associate(this.named(inputs, undefined, masks));
      return r.associations;
    });
  }

  /** The projected patterns `[batch, heads, S', patternSize]`. */
  getProjectedPatternMatrix(inputs: tf.Tensor | tf.Tensor[], masks: PoolingMasks = {}): tf.Tensor4D {
    return tf.tidy(() => this.hopfield.associate(this.named(inputs, undefined, masks)).projectedPatterns);
  }

  /** Retrieval with the per-head energy after every update (see {@link Hopfield.retrieve}); `output` is `[batch, quantity, outputWidth]`. */
  retrieve(
    inputs: tf.Tensor | tf.Tensor[],
    options: Omit<HopfieldRunOptions, 'recordEnergies' | 'training'> & PoolingMasks = {},
  ): HopfieldAssociationOutput {
    const named = this.named(inputs, undefined, options);
    try {
      return this.hopfield.retrieve(named, options);
    } finally {
      named.queries.dispose();
    }
  }

  /** Per-head energy `[batch, heads, quantity]` of the learned state patterns given the set. */
  energy(inputs: tf.Tensor | tf.Tensor[], masks: PoolingMasks = {}): tf.Tensor {
    return tf.tidy(() => this.hopfield.energy(this.named(inputs, undefined, masks)));
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
      statePatternTrainable: this.statePatternTrainable,
      flattenOutput: this.flattenOutput,
    };
  }
}
tf.serialization.registerClass(HopfieldPooling);
