import * as tf from '@tensorflow/tfjs-core';
import type { LayerVariable, Shape } from '@tensorflow/tfjs-layers';
import { AitLayer, createKernelInitializer, toShapeList, toTensorList, z, type AitLayerArgs, type CallKwargs } from '@ait/core';
import { Hopfield } from './hopfield';
import { appendedPatternCount } from './hopfield-dimensions';
import {
  maskInputCount,
  masksOfCall,
  type HopfieldAssociationOutput,
  type HopfieldInputs,
  type HopfieldMasks,
  type HopfieldRunOptions,
} from './hopfield-inputs';
import { hopfieldConfigDict, hopfieldOptionsShape, type HopfieldConfig } from './hopfield-options';

/**
 * The zod shape of the options every learned-pattern Hopfield layer has: the Hopfield options and
 * `quantity`, to spread into the layer's schema before its own options.
 */
export const learnedPatternsOptionsShape = {
  ...hopfieldOptionsShape,
  /** Number of learned patterns: the stored patterns (table entries) of `HopfieldLayer`, the state patterns (pooled outputs) of `HopfieldPooling`; default 1. */
  quantity: z.number().int().positive().default(1),
};

/** What every learned-pattern Hopfield layer's config holds: the Hopfield options and `quantity`. */
export type LearnedPatternsConfig = HopfieldConfig & { quantity: number };

/** Masks given to the inspection methods of a learned-pattern Hopfield layer. */
export type LearnedPatternMasks = HopfieldMasks;

/** The inner Hopfield's inputs for one call, and the tensors made for it (disposed after the call). */
export interface LearnedPatternInputs {
  readonly keys: tf.Tensor;
  readonly queries: tf.Tensor;
  readonly values: tf.Tensor;
  /** Tensors created for this call (tiled learned patterns), freed when the call is done. */
  readonly created: tf.Tensor[];
}

/**
 * What {@link HopfieldLayer} (learned stored patterns) and {@link HopfieldPooling} (learned state
 * patterns) share: an inner {@link Hopfield} association (child `hopfield`, its mask inputs and
 * association outputs switched off), `quantity` learned patterns, the mask inputs and keyword
 * masks after the data inputs, the association store, the inspection methods and the config.
 * A subclass says which data inputs it takes ({@link LearnedPatternsHopfield.dataInputs}), creates
 * its learned weights in `build` ({@link LearnedPatternsHopfield.addLearnedPatterns}) and says how
 * its data inputs and learned patterns become the association's keys, queries and values
 * ({@link LearnedPatternsHopfield.patterns}).
 */
export abstract class LearnedPatternsHopfield<C extends LearnedPatternsConfig = LearnedPatternsConfig> extends AitLayer {
  /**
   * The validated options, defaults applied: the Hopfield options, `quantity` (the number of
   * learned patterns) and the subclass's own (serialised by `getConfig`).
   */
  readonly config: C;
  /** The Hopfield association inside. */
  readonly hopfield: Hopfield;

  /**
   * `kind`: the class name for error messages; `schema`: the subclass's options, which spread
   * {@link learnedPatternsOptionsShape} (so that the validated options are a `C`).
   */
  protected constructor(kind: string, schema: z.ZodType, args: AitLayerArgs) {
    super(args);
    this.config = this.configureLayer(kind, schema, args) as C;
    const inner: Record<string, unknown> = { ...hopfieldConfigDict(this.config) };
    for (const k of ['storedPatternPaddingMaskInput', 'associationMaskInput', 'returnAssociations', 'storeAssociations']) inner[k] = false;
    this.hopfield = this.track(new Hopfield({ ...inner, name: 'hopfield', trainable: this.trainable }));
  }

  /** How many mask inputs follow the data inputs. */
  protected get maskInputs(): number {
    return maskInputCount(this.config);
  }

  /**
   * The data inputs the layer takes: how many may come before the mask inputs, and how to name
   * them in an error (e.g. `x or [storedPatterns, patternProjection]`).
   */
  protected abstract readonly dataInputs: { readonly counts: readonly number[]; readonly text: string };

  /** The number of data inputs among `total` inputs; throws unless the layer takes that many. */
  private dataCount(total: number): number {
    const count = total - this.maskInputs;
    if (!this.dataInputs.counts.includes(count)) {
      const masks = this.maskInputs > 0 ? ` followed by ${this.maskInputs} mask input(s)` : '';
      throw new Error(`${this.layerLabel}: expects ${this.dataInputs.text}${masks}, got ${total} inputs.`);
    }
    return count;
  }

  /** The shapes of the data inputs in a `build` / `computeOutputShape` argument (counted and checked). */
  protected dataShapes(inputShape: Shape | Shape[]): Shape[] {
    const shapes = toShapeList(inputShape);
    return shapes.slice(0, this.dataCount(shapes.length));
  }

  /** Adds `quantity` learned patterns `[quantity, width]`, truncated normals with stddev 0.02. */
  protected addLearnedPatterns(name: string, width: number, trainable: boolean): LayerVariable {
    return this.addWeight(name, [this.config.quantity, width], 'float32', createKernelInitializer('truncatedNormal'), undefined, trainable);
  }

  /** Learned patterns `[quantity, width]` repeated over the batch: `[batch, quantity, width]`. */
  protected tiledOverBatch(patterns: LayerVariable, batch: number): tf.Tensor {
    return tf.tidy(() => tf.tile(tf.expandDims(patterns.read(), 0), [batch, 1, 1]));
  }

  /**
   * With `returnAssociations`, `[output, associations [batch, heads, queries, keys']]` where `keys'`
   * counts the appended bias and zero patterns; else `output`.
   */
  protected withAssociationsShape(output: Shape, batch: number | null, queries: number | null, keys: number | null): Shape | Shape[] {
    if (!this.config.returnAssociations) return output;
    const keysWithAppended = keys === null ? null : keys + appendedPatternCount(this.config);
    return [output, [batch, this.hopfield.dimensions.heads, queries, keysWithAppended]];
  }

  /**
   * The association's keys, queries and values from the data inputs (the inputs before the mask
   * inputs, already counted against {@link LearnedPatternsHopfield.dataInputs}) and the learned
   * patterns.
   */
  protected abstract patterns(data: tf.Tensor[]): LearnedPatternInputs;

  /** The layer's output from the association's output (default: unchanged). */
  protected finishOutput(output: tf.Tensor): tf.Tensor {
    return output;
  }

  /** Runs `fn` on the association's inputs for `inputs`, then frees what was made for it. */
  private withInputs<T>(
    inputs: tf.Tensor | tf.Tensor[],
    kwargs: CallKwargs | undefined,
    masks: LearnedPatternMasks | undefined,
    fn: (named: HopfieldInputs) => T,
  ): T {
    const list = toTensorList(inputs);
    if (!this.built) this.build(list.length === 1 ? (list[0] as tf.Tensor).shape : list.map((t) => t.shape));
    const count = this.dataCount(list.length);
    const ofCall = masksOfCall(this.config, list, count, kwargs);
    const { keys, queries, values, created } = this.patterns(list.slice(0, count));
    try {
      this.prepareChild(this.hopfield, [keys, queries, values]);
      return fn({
        keys,
        queries,
        values,
        storedPatternPaddingMask: masks?.storedPatternPaddingMask ?? ofCall.storedPatternPaddingMask,
        associationMask: masks?.associationMask ?? ofCall.associationMask,
      });
    } finally {
      tf.dispose(created);
    }
  }

  /** Associates; see the subclass's description for inputs and outputs. */
  override call(inputs: tf.Tensor | tf.Tensor[], kwargs: CallKwargs): tf.Tensor | tf.Tensor[] {
    if (!this.built) throw new Error(`${this.layerLabel}: call the layer through apply() first.`);
    const [out, assoc] = this.withInputs(inputs, kwargs, undefined, (named) =>
      tf.tidy(() => {
        const result = this.hopfield.associate(named, { training: this.isTraining(kwargs) });
        return [this.finishOutput(result.output), result.associations] as [tf.Tensor, tf.Tensor4D];
      }),
    );
    if (this.config.storeAssociations) this.keepCopy('associations', assoc);
    if (this.config.returnAssociations) return [out, assoc];
    assoc.dispose();
    return out;
  }

  /** The association matrix `[batch, heads, queries, keys']` (no dropout). */
  getAssociationMatrix(inputs: tf.Tensor | tf.Tensor[], masks: LearnedPatternMasks = {}): tf.Tensor4D {
    return this.withInputs(inputs, undefined, masks, (named) => tf.tidy(() => this.hopfield.associate(named).associations));
  }

  /** The projected patterns (targets) `[batch, heads, keys', patternSize]`. */
  getProjectedPatternMatrix(inputs: tf.Tensor | tf.Tensor[], masks: LearnedPatternMasks = {}): tf.Tensor4D {
    return this.withInputs(inputs, undefined, masks, (named) => tf.tidy(() => this.hopfield.associate(named).projectedPatterns));
  }

  /**
   * Retrieval with the per-head energy after every update (see {@link Hopfield.retrieve}); `output`
   * is the association's `[batch, queries, outputWidth]`.
   */
  retrieve(
    inputs: tf.Tensor | tf.Tensor[],
    options: Omit<HopfieldRunOptions, 'recordEnergies' | 'training'> & LearnedPatternMasks = {},
  ): HopfieldAssociationOutput {
    return this.withInputs(inputs, undefined, options, (named) => this.hopfield.retrieve(named, options));
  }

  /** Per-head energy `[batch, heads, queries]` of the (projected) queries given the keys. */
  energy(inputs: tf.Tensor | tf.Tensor[], masks: LearnedPatternMasks = {}): tf.Tensor {
    return this.withInputs(inputs, undefined, masks, (named) => tf.tidy(() => this.hopfield.energy(named)));
  }

  /**
   * With `storeAssociations`, the association matrix of the last call; else null. It belongs to
   * the layer (valid until the next call or `dispose()`).
   */
  get lastAssociations(): tf.Tensor4D | null {
    return this.keptCopy('associations');
  }
}
