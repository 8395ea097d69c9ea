import * as tf from '@tensorflow/tfjs-core';
import { initializers, type LayerVariable, type Shape } from '@tensorflow/tfjs-layers';
import {
  AitLayer,
  assertRank,
  createKernelInitializer,
  Dense,
  dropout,
  knownDim,
  LayerNorm,
  layerNorm,
  mergeHeads,
  splitHeads,
  toShapeList,
  toTensorList,
  type CallKwargs,
} from '@ait/core';
import { hopfieldAssociation } from './hopfield-association';
import { appendedPatternCount, resolveHopfieldDimensions, type HopfieldDimensions, type HopfieldInputWidths } from './hopfield-dimensions';
import {
  checkHopfieldInputs,
  hopfieldProbeShapes,
  maskInputCount,
  masksOfCall,
  type HopfieldAssociationOutput,
  type HopfieldInputs,
  type HopfieldMasks,
  type HopfieldRunOptions,
} from './hopfield-inputs';
import { combineHopfieldMasks } from './hopfield-mask';
import { applyAssociationActivation, hopfieldSchema, type HopfieldArgs, type HopfieldConfig } from './hopfield-options';

export type { HopfieldAssociationOutput, HopfieldInputs, HopfieldRunOptions } from './hopfield-inputs';

/** Data inputs before the masks: one tensor (self-association) or three (stored, state, projection). */
function dataCount(where: string, count: number, masks: number): 1 | 3 {
  const data = count - masks;
  if (data === 1 || data === 3) return data;
  const maskText = masks > 0 ? ` followed by ${masks} mask input(s)` : '';
  throw new Error(`${where}: expects x or [storedPatterns, statePatterns, patternProjection]${maskText}, got ${count} inputs.`);
}

/** `[b, n, d]` repeated for every head: `[b, heads, n, d]` (static patterns). */
function tileHeads(x: tf.Tensor, heads: number): tf.Tensor4D {
  return tf.tile(tf.expandDims(x, 1), [1, heads, 1, 1]) as tf.Tensor4D;
}

/** Appends `row [1, h, 1, d]`, tiled over the batch, to axis 2 of `x [b, h, S, d]`. */
function appendRow(x: tf.Tensor, row: tf.Tensor): tf.Tensor {
  return tf.concat([x, tf.tile(row, [x.shape[0] as number, 1, 1, 1])], 2);
}

/**
 * A Hopfield association layer (Ramsauer et al. 2020), feature-compatible with ml-jku's
 * `Hopfield` module: multi-head continuous modern Hopfield retrieval between state patterns and
 * stored patterns, with optional update iterations, normalisations, static patterns, bias and
 * zero patterns, masks, association dropout and an output projection.
 *
 * Inputs (fixed at build time): `x [batch, N, width]` (stored, state and projection all `x`), or
 * `[storedPatterns [batch, S, ks], statePatterns [batch, L, qs], patternProjection [batch, S, vs]]`;
 * then, when enabled, a stored-pattern padding mask `[batch, S]` and an association mask
 * `[L, S] | [batch, L, S] | [batch, heads, L, S]` (1 = allowed, 0 = blocked; the opposite of
 * PyTorch's boolean masks). Eagerly, the masks may instead be given as `apply` keyword arguments
 * `{ storedPatternPaddingMask, associationMask }`, and {@link Hopfield.associate} takes named
 * `{ keys, queries, values }`.
 *
 * Computation, per head `h` with inverse temperature `beta_h`:
 * `Q = LN(state) W_Q`, `K = LN(stored) W_K`, `V = LN(projection) W_V` (each optional/static),
 * `xi = softmax(beta_h Q K^T)` (iterated `Q <- xi K` up to `updateStepsMax` times), output
 * `act(concat_h(dropout(xi) V) W_O)` `[batch, L, outputWidth]`; with `returnAssociations`,
 * `[output, xi [batch, heads, L, S']]`. Serialised as `AitHopfield`.
 *
 * @example
 * ```ts
 * import * as tf from '@tensorflow/tfjs-core';
 * import { Hopfield, initBackend } from '@ait/hopfield';
 *
 * await initBackend({ backend: 'cpu' });
 * // one input: each vector of the set associates with all of them (state = stored patterns = projection)
 * const hopfield = new Hopfield({ numHeads: 2, hiddenSize: 8 });
 * const set = tf.randomNormal([2, 5, 16]); // [batch, N, width]
 * const out = hopfield.apply(set) as tf.Tensor; // [2, 5, 16]
 * ```
 */
export class Hopfield extends AitLayer {
  /** tfjs serialisation name. */
  static className = 'AitHopfield';
  /** The validated options, defaults applied (serialised by `getConfig`). */
  readonly config: HopfieldConfig;
  private dims: HopfieldDimensions | null = null;
  private normStored: LayerNorm | null = null;
  private normState: LayerNorm | null = null;
  private normProjection: LayerNorm | null = null;
  private stateProjection: Dense | null = null;
  private storedProjection: Dense | null = null;
  private patternProjection: Dense | null = null;
  private outputProjection: Dense | null = null;
  private hopfieldGamma: LayerVariable | null = null;
  private hopfieldBeta: LayerVariable | null = null;
  private biasStored: LayerVariable | null = null;
  private biasProjection: LayerVariable | null = null;

  constructor(args: HopfieldArgs = {}) {
    super(args);
    this.config = this.configureLayer('Hopfield', hopfieldSchema, args);
  }

  private get maskInputs(): number {
    return maskInputCount(this.config);
  }

  /** The resolved widths (after build), e.g. for wrappers. */
  get dimensions(): HopfieldDimensions {
    if (!this.dims) throw new Error(`${this.layerLabel}: the layer is not built yet; call it through apply() first.`);
    return this.dims;
  }

  private widthsFromShapes(inputShape: Shape | Shape[]): { widths: HopfieldInputWidths; shapes: Shape[] } {
    const shapes = toShapeList(inputShape);
    const n = dataCount(this.layerLabel, shapes.length, this.maskInputs);
    const names = ['stored patterns', 'state patterns', 'pattern projection'];
    const data = n === 1 ? [shapes[0], shapes[0], shapes[0]] : shapes.slice(0, 3);
    data.forEach((s, i) => assertRank(this.layerLabel, names[i] as string, { shape: s as Shape }, [3], '[batch, patterns, width]'));
    const [k, q, v] = data as [Shape, Shape, Shape];
    return {
      widths: {
        stored: knownDim(this.layerLabel, 'the stored patterns', k, -1),
        state: knownDim(this.layerLabel, 'the state patterns', q, -1),
        projection: knownDim(this.layerLabel, 'the pattern projection', v, -1),
      },
      shapes: [k, q, v],
    };
  }

  override build(inputShape: Shape | Shape[]): void {
    const { widths } = this.widthsFromShapes(inputShape);
    const dims = resolveHopfieldDimensions(this.layerLabel, this.config, widths);
    this.dims = dims;
    const o = this.config;
    const trainable = this.trainable;
    const norm = (name: string, epsilon: number, affine: boolean): LayerNorm =>
      this.track(new LayerNorm({ name, epsilon, center: affine, scale: affine, trainable }));
    if (o.normalizeStoredPattern) this.normStored = norm('norm_stored', o.normalizeStoredPatternEps, o.normalizeStoredPatternAffine);
    if (o.normalizeStatePattern) this.normState = norm('norm_state', o.normalizeStatePatternEps, o.normalizeStatePatternAffine);
    if (o.normalizePatternProjection) {
      this.normProjection = norm('norm_projection', o.normalizePatternProjectionEps, o.normalizePatternProjectionAffine);
    }
    const dense = (name: string, units: number): Dense =>
      this.track(new Dense({ name, units, useBias: o.inputBias, kernelInitializer: o.kernelInitializer, trainable }));
    const hiddenAll = dims.heads * dims.hidden;
    const patternAll = dims.heads * dims.pattern;
    if (!o.statePatternAsStatic) this.stateProjection = dense('state_projection', hiddenAll);
    if (!o.storedPatternAsStatic) this.storedProjection = dense('stored_projection', hiddenAll);
    if (!o.patternProjectionAsStatic && !o.patternProjectionAsConnected) this.patternProjection = dense('pattern_projection', patternAll);
    if (!o.disableOutProjection) this.outputProjection = dense('output_projection', dims.output);
    if (o.normalizeHopfieldSpace && o.normalizeHopfieldSpaceAffine) {
      this.hopfieldGamma = this.addWeight('hopfield_norm_gamma', [dims.hidden], 'float32', initializers.ones());
      this.hopfieldBeta = this.addWeight('hopfield_norm_beta', [dims.hidden], 'float32', initializers.zeros());
    }
    if (o.concatBiasPattern) {
      const init = (): ReturnType<typeof createKernelInitializer> => createKernelInitializer('truncatedNormal');
      this.biasStored = this.addWeightAfterChildren('bias_stored', [hiddenAll], init);
      this.biasProjection = this.addWeightAfterChildren('bias_projection', [patternAll], init);
    }
    this.buildByCalling(hopfieldProbeShapes(toShapeList(inputShape), this.maskInputs, 1));
  }

  override computeOutputShape(inputShape: Shape | Shape[]): Shape | Shape[] {
    const { widths, shapes } = this.widthsFromShapes(inputShape);
    const dims = this.dims ?? resolveHopfieldDimensions(this.layerLabel, this.config, widths);
    const [kShape, qShape] = shapes as [Shape, Shape, Shape];
    const batch = qShape[0] ?? null;
    const out: Shape = [batch, qShape[1] ?? null, dims.output];
    if (!this.config.returnAssociations) return out;
    const s = kShape[1] == null ? null : (kShape[1] as number) + appendedPatternCount(this.config);
    return [out, [batch, dims.heads, qShape[1] ?? null, s]];
  }

  /** Splits the positional inputs (and eager keyword masks) into named inputs. */
  private namedInputs(inputs: tf.Tensor | tf.Tensor[], kwargs: CallKwargs | undefined): HopfieldInputs {
    const list = toTensorList(inputs);
    const n = dataCount(this.layerLabel, list.length, this.maskInputs);
    const data = n === 1 ? [list[0], list[0], list[0]] : list.slice(0, 3);
    const [keys, queries, values] = data as [tf.Tensor, tf.Tensor, tf.Tensor];
    return { keys, queries, values, ...masksOfCall(this.config, list, n, kwargs) };
  }

  /**
   * Runs the association on named inputs `{ keys, queries, values }` (builds the layer on first
   * use) and returns the output together with the association matrix, the projected patterns and,
   * on request, the energy after every update.
   */
  associate(inputs: HopfieldInputs, options: HopfieldRunOptions = {}): HopfieldAssociationOutput {
    const values = inputs.values ?? inputs.keys;
    if (!this.built) this.build([inputs.keys.shape, inputs.queries.shape, values.shape]);
    checkHopfieldInputs(this.layerLabel, inputs, this.dimensions);
    const dims = this.dimensions;
    const o = this.config;
    const training = options.training ?? false;
    const kw: CallKwargs = { training };
    const [batch, L] = inputs.queries.shape as [number, number, number];
    const S = inputs.keys.shape[1] as number;
    const run = tf.tidy(() => {
      const projected = this.projectToHopfieldSpace(inputs, kw);
      const inputMask = combineHopfieldMasks(this.layerLabel, inputs, { batch, heads: dims.heads, L, S });
      const { k, v, mask } = this.appendPatterns(projected.k, projected.v, inputMask);
      const result = hopfieldAssociation(projected.q, k, {
        beta: dims.beta,
        mask,
        updateStepsMax: options.updateStepsMax === undefined ? o.updateStepsMax : options.updateStepsMax,
        updateStepsEps: options.updateStepsEps ?? o.updateStepsEps,
        recordEnergies: options.recordEnergies ?? false,
      });
      const xi = result.associations;
      const dropped = dropout(xi, o.dropout, training);
      let out = mergeHeads(tf.matMul(dropped, v));
      if (this.outputProjection) out = this.callChild(this.outputProjection, out, kw);
      out = applyAssociationActivation(out, o.associationActivation);
      const tensors: tf.Tensor[] = [out, xi, v as tf.Tensor4D];
      if (result.energies) tensors.push(result.energies);
      tf.dispose(result.state);
      return { tensors, steps: result.steps };
    });
    const [output, associations, projectedPatterns, energies] = run.tensors as [tf.Tensor, tf.Tensor4D, tf.Tensor4D, tf.Tensor?];
    const own = [output, associations, projectedPatterns, ...(energies ? [energies] : [])];
    return {
      output,
      associations,
      projectedPatterns,
      energies: energies ?? null,
      steps: run.steps,
      dispose: () => tf.dispose(own),
    };
  }

  /**
   * The inputs in the Hopfield space, each normalised and projected where the config says so:
   * queries `[batch, heads, L, hidden]`, keys `[batch, heads, S, hidden]`, values
   * `[batch, heads, S, pattern]` (static inputs are repeated for every head). Call inside `tf.tidy`.
   */
  private projectToHopfieldSpace(inputs: HopfieldInputs, kw: CallKwargs): { q: tf.Tensor; k: tf.Tensor; v: tf.Tensor } {
    const heads = this.dimensions.heads;
    const o = this.config;
    const normed = (norm: LayerNorm | null, x: tf.Tensor): tf.Tensor => (norm ? this.callChild(norm, x, kw) : x);
    const projected = (dense: Dense | null, x: tf.Tensor): tf.Tensor =>
      dense ? splitHeads(this.callChild(dense, x, kw), heads) : tileHeads(x, heads);
    let q = projected(this.stateProjection, normed(this.normState, inputs.queries));
    let k = projected(this.storedProjection, normed(this.normStored, inputs.keys));
    const valueProjection = o.patternProjectionAsConnected ? this.storedProjection : this.patternProjection;
    const v = projected(valueProjection, normed(this.normProjection, inputs.values ?? inputs.keys));
    if (o.normalizeHopfieldSpace) {
      const gamma = this.hopfieldGamma?.read() ?? null;
      const beta = this.hopfieldBeta?.read() ?? null;
      q = layerNorm(q, gamma, beta, o.normalizeHopfieldSpaceEps);
      k = layerNorm(k, gamma, beta, o.normalizeHopfieldSpaceEps);
    }
    return { q, k, v };
  }

  /**
   * Appends the learned bias pattern (`concatBiasPattern`) and the zero pattern
   * (`addZeroAssociation`) to the keys and values in the Hopfield space, and an allowed (1)
   * column for each to the mask. Call inside `tf.tidy`.
   */
  private appendPatterns(k: tf.Tensor, v: tf.Tensor, mask: tf.Tensor | null): { k: tf.Tensor; v: tf.Tensor; mask: tf.Tensor | null } {
    const { heads, hidden, pattern } = this.dimensions;
    const rows: [tf.Tensor, tf.Tensor][] = [];
    if (this.biasStored && this.biasProjection) {
      rows.push([
        tf.reshape(this.biasStored.read(), [1, heads, 1, hidden]),
        tf.reshape(this.biasProjection.read(), [1, heads, 1, pattern]),
      ]);
    }
    if (this.config.addZeroAssociation) rows.push([tf.zeros([1, heads, 1, hidden]), tf.zeros([1, heads, 1, pattern])]);
    let out = { k, v, mask };
    for (const [rowK, rowV] of rows) {
      const m = out.mask;
      out = {
        k: appendRow(out.k, rowK),
        v: appendRow(out.v, rowV),
        mask: m ? tf.concat([m, tf.ones([...m.shape.slice(0, -1), 1])], -1) : null,
      };
    }
    return out;
  }

  /** The association of `call`; see the class description for the input layouts. */
  override call(inputs: tf.Tensor | tf.Tensor[], kwargs: CallKwargs): tf.Tensor | tf.Tensor[] {
    if (!this.built) throw new Error(`${this.layerLabel}: call the layer through apply() first.`);
    const named = this.namedInputs(inputs, kwargs);
    const result = this.associate(named, { training: this.isTraining(kwargs) });
    result.projectedPatterns.dispose();
    if (this.config.storeAssociations) this.keepCopy('associations', result.associations);
    if (this.config.returnAssociations) return [result.output, result.associations];
    result.associations.dispose();
    return result.output;
  }

  /**
   * The association matrix `[batch, heads, L, S']` (no dropout) for positional inputs as `call`
   * takes them; masks may be given in `masks`.
   */
  getAssociationMatrix(inputs: tf.Tensor | tf.Tensor[], masks: HopfieldMasks = {}): tf.Tensor4D {
    return this.inspect(inputs, masks, 'associations');
  }

  /** The projected patterns (values in the Hopfield space) `[batch, heads, S', patternSize]`. */
  getProjectedPatternMatrix(inputs: tf.Tensor | tf.Tensor[], masks: HopfieldMasks = {}): tf.Tensor4D {
    return this.inspect(inputs, masks, 'projectedPatterns');
  }

  /** One matrix of an association without dropout; the others are freed. */
  private inspect(inputs: tf.Tensor | tf.Tensor[], masks: HopfieldMasks, keep: 'associations' | 'projectedPatterns'): tf.Tensor4D {
    const r = this.associate(this.namedForInspection(inputs, masks));
    const kept = r[keep];
    tf.dispose([r.output, r.associations, r.projectedPatterns].filter((t) => t !== kept));
    return kept;
  }

  /**
   * Retrieval from the trained layer with the energy visible: runs the association (no dropout),
   * optionally with other `updateStepsMax` / `updateStepsEps`, and records the per-head modern
   * Hopfield energy of the state in the Hopfield space before and after every update.
   */
  retrieve(
    inputs: tf.Tensor | tf.Tensor[] | HopfieldInputs,
    options: Omit<HopfieldRunOptions, 'recordEnergies' | 'training'> = {},
  ): HopfieldAssociationOutput {
    const named = inputs instanceof tf.Tensor || Array.isArray(inputs) ? this.namedForInspection(inputs, {}) : inputs;
    return this.associate(named, { ...options, recordEnergies: true });
  }

  /**
   * The modern Hopfield energy of the (projected) state patterns given the (projected) stored
   * patterns, per head: `[batch, heads, L]`. Lower means closer to a stored pattern.
   */
  energy(inputs: tf.Tensor | tf.Tensor[] | HopfieldInputs): tf.Tensor {
    const named = inputs instanceof tf.Tensor || Array.isArray(inputs) ? this.namedForInspection(inputs, {}) : inputs;
    const r = this.associate(named, { recordEnergies: true, updateStepsMax: 0 });
    const e = tf.tidy(() => tf.squeeze(tf.slice(r.energies as tf.Tensor, [0], [1]), [0]));
    r.dispose();
    return e;
  }

  private namedForInspection(inputs: tf.Tensor | tf.Tensor[], masks: HopfieldMasks): HopfieldInputs {
    const list = toTensorList(inputs);
    if (!this.built) {
      const shapes = list.map((t) => t.shape);
      this.build(shapes.length === 1 ? (shapes[0] as Shape) : shapes);
    }
    const named = this.namedInputs(list, {});
    return {
      ...named,
      storedPatternPaddingMask: masks.storedPatternPaddingMask ?? named.storedPatternPaddingMask ?? null,
      associationMask: masks.associationMask ?? named.associationMask ?? null,
    };
  }

  /**
   * With `storeAssociations`, the association matrix `[batch, heads, L, S']` of the last call; else
   * null. It belongs to the layer (valid until the next call or `dispose()`).
   */
  get lastAssociations(): tf.Tensor4D | null {
    return this.keptCopy('associations');
  }
}
tf.serialization.registerClass(Hopfield);
