import * as tf from '@tensorflow/tfjs-core';
import { AitLayer, toTensorList, type AitLayerArgs, type CallKwargs } from '@ait/core';
import { Hopfield, type HopfieldAssociationOutput, type HopfieldInputs, type HopfieldRunOptions } from './hopfield';
import { hopfieldConfigDict, type HopfieldConfig } from './hopfield-options';

/** What every learned-pattern Hopfield layer's config holds: the Hopfield options and `quantity`. */
export type LearnedPatternsConfig = HopfieldConfig & { quantity: number };

/** Masks given to the inspection methods of a learned-pattern Hopfield layer. */
export type LearnedPatternMasks = Pick<HopfieldInputs, 'storedPatternPaddingMask' | 'associationMask'>;

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
 * A subclass creates its learned weights in `build` and says how its data inputs and learned
 * patterns become the association's keys, queries and values ({@link LearnedPatternsHopfield.patterns}).
 */
export abstract class LearnedPatternsHopfield<C extends LearnedPatternsConfig = LearnedPatternsConfig> extends AitLayer {
  /**
   * The validated options, defaults applied: the Hopfield options, `quantity` (the number of
   * learned patterns) and the subclass's own (serialised by `getConfig`).
   */
  readonly config: C;
  /** The Hopfield association inside. */
  readonly hopfield: Hopfield;

  protected constructor(args: AitLayerArgs, config: C) {
    super(args);
    this.config = this.useConfig(config);
    const inner: Record<string, unknown> = { ...hopfieldConfigDict(config) };
    for (const k of ['storedPatternPaddingMaskInput', 'associationMaskInput', 'returnAssociations', 'storeAssociations']) inner[k] = false;
    this.hopfield = this.track(new Hopfield({ ...inner, name: 'hopfield', trainable: this.trainable }));
  }

  /** `Kind 'name'`, for error messages. */
  protected abstract get where(): string;

  /** How many mask inputs follow the data inputs. */
  protected get maskInputs(): number {
    const c = this.config;
    return (c.storedPatternPaddingMaskInput ? 1 : 0) + (c.associationMaskInput ? 1 : 0);
  }

  /**
   * The association's keys, queries and values from the data inputs (the inputs before the mask
   * inputs, already counted and checked by {@link LearnedPatternsHopfield.dataInputs}) and the
   * learned patterns.
   */
  protected abstract patterns(data: tf.Tensor[]): LearnedPatternInputs;

  /** Throws unless `count` data inputs are what the layer takes (`total`: all inputs). */
  protected abstract dataInputs(count: number, total: number): void;

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
    const count = list.length - this.maskInputs;
    this.dataInputs(count, list.length);
    const kw = (key: string): tf.Tensor | null => {
      const v = kwargs?.[key];
      return v instanceof tf.Tensor ? v : null;
    };
    let i = count;
    const padding = this.config.storedPatternPaddingMaskInput ? (list[i++] as tf.Tensor) : kw('storedPatternPaddingMask');
    const association = this.config.associationMaskInput ? (list[i++] as tf.Tensor) : kw('associationMask');
    const { keys, queries, values, created } = this.patterns(list.slice(0, count));
    try {
      return fn({
        keys,
        queries,
        values,
        storedPatternPaddingMask: masks?.storedPatternPaddingMask ?? padding,
        associationMask: masks?.associationMask ?? association,
      });
    } finally {
      tf.dispose(created);
    }
  }

  /** Associates; see the subclass's description for inputs and outputs. */
  override call(inputs: tf.Tensor | tf.Tensor[], kwargs: CallKwargs): tf.Tensor | tf.Tensor[] {
    if (!this.built) throw new Error(`${this.where}: call the layer through apply() first.`);
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
