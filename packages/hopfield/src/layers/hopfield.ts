import * as tf from '@tensorflow/tfjs-core';
import { initializers, type LayerVariable, type Shape } from '@tensorflow/tfjs-layers';
import {
  AitLayer,
  assertFloat,
  assertRank,
  createKernelInitializer,
  Dense,
  dropout,
  formatShape,
  knownDim,
  LayerNorm,
  layerNorm,
  mergeHeads,
  parseLayerConfig,
  splitHeads,
  toShapeList,
  toTensorList,
  type CallKwargs,
} from '@ait/core';
import { hopfieldAssociation } from './hopfield-association';
import { resolveHopfieldDimensions, type HopfieldDimensions, type HopfieldInputWidths } from './hopfield-dimensions';
import { applyAssociationActivation, hopfieldSchema, type HopfieldArgs, type HopfieldConfig } from './hopfield-options';

/**
 * Named inputs of a Hopfield association: `keys` are the stored patterns, `queries` the state
 * patterns and `values` the pattern projection (ml-jku's stored pattern / state pattern / pattern
 * projection).
 */
export interface HopfieldInputs {
  /** Stored patterns `[batch, S, storedWidth]`. */
  keys: tf.Tensor;
  /** State patterns `[batch, L, stateWidth]`. */
  queries: tf.Tensor;
  /** Pattern projection input `[batch, S, projectionWidth]`; default `keys`. */
  values?: tf.Tensor | null;
  /** Valid stored patterns `[batch, S]`: 1 = valid, 0 = padding. */
  storedPatternPaddingMask?: tf.Tensor | null;
  /** Allowed associations `[L, S]`, `[batch, L, S]` or `[batch, heads, L, S]`: 1 = allowed, 0 = blocked. */
  associationMask?: tf.Tensor | null;
}

/** Options of {@link Hopfield.associate} and the inspection methods. */
export interface HopfieldRunOptions {
  /** Whether this is a training pass (association dropout on); default false. */
  training?: boolean;
  /** Overrides the layer's `updateStepsMax` for this call. */
  updateStepsMax?: number | null;
  /** Overrides the layer's `updateStepsEps` for this call. */
  updateStepsEps?: number | number[];
  /** Whether to record the energy of the state after every update; default false. */
  recordEnergies?: boolean;
}

/** Everything one association computes; the caller owns the tensors (`dispose()` frees them). */
export interface HopfieldAssociationOutput {
  /** The layer output `[batch, L, outputWidth]`. */
  output: tf.Tensor;
  /** Association matrix before dropout, `[batch, heads, L, S']` (S' counts bias and zero patterns). */
  associations: tf.Tensor4D;
  /** Projected patterns (values in the Hopfield space), `[batch, heads, S', patternSize]`. */
  projectedPatterns: tf.Tensor4D;
  /** With `recordEnergies`: per-head energy of the state before and after each update, `[steps + 1, batch, heads, L]`. */
  energies: tf.Tensor | null;
  /** Updates performed (the longest-running head). */
  steps: number;
  /** Frees the tensors above. */
  dispose(): void;
}

/** Data inputs before the masks: one tensor (self-association) or three (stored, state, projection). */
function dataCount(where: string, count: number, masks: number): 1 | 3 {
  const data = count - masks;
  if (data === 1 || data === 3) return data;
  const maskText = masks > 0 ? ` followed by ${masks} mask input(s)` : '';
  throw new Error(`${where}: expects x or [storedPatterns, statePatterns, patternProjection]${maskText}, got ${count} inputs.`);
}

function tileHeads(x: tf.Tensor, heads: number): tf.Tensor4D {
  return tf.tile(tf.expandDims(x, 1), [1, heads, 1, 1]) as tf.Tensor4D;
}

/** Appends one row to axis 2 of `[b, h, S, d]` and a matching column of ones to a mask `[.., S]`. */
function appendPattern(k: tf.Tensor, row: tf.Tensor, mask: tf.Tensor | null): { k: tf.Tensor; mask: tf.Tensor | null } {
  const [b] = k.shape as [number, number, number, number];
  const tiled = tf.tile(row, [b, 1, 1, 1]);
  const nextK = tf.concat([k, tiled], 2);
  if (!mask) return { k: nextK, mask: null };
  const ones = tf.ones([...mask.shape.slice(0, -1), 1]);
  return { k: nextK, mask: tf.concat([mask, ones], -1) };
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
    const config = parseLayerConfig('Hopfield', hopfieldSchema, args);
    super(args);
    this.config = this.useConfig(config);
  }

  private get where(): string {
    return `Hopfield '${this.name}'`;
  }

  private get maskInputs(): number {
    return (this.config.storedPatternPaddingMaskInput ? 1 : 0) + (this.config.associationMaskInput ? 1 : 0);
  }

  /** The resolved widths (after build), e.g. for wrappers. */
  get dimensions(): HopfieldDimensions {
    if (!this.dims) throw new Error(`${this.where}: the layer is not built yet; call it through apply() first.`);
    return this.dims;
  }

  private widthsFromShapes(inputShape: Shape | Shape[]): { widths: HopfieldInputWidths; shapes: Shape[] } {
    const shapes = toShapeList(inputShape);
    const n = dataCount(this.where, shapes.length, this.maskInputs);
    const names = ['stored patterns', 'state patterns', 'pattern projection'];
    const data = n === 1 ? [shapes[0], shapes[0], shapes[0]] : shapes.slice(0, 3);
    data.forEach((s, i) => assertRank(this.where, names[i] as string, { shape: s as Shape }, [3], '[batch, patterns, width]'));
    const [k, q, v] = data as [Shape, Shape, Shape];
    return {
      widths: {
        stored: knownDim(this.where, 'the stored patterns', k, -1),
        state: knownDim(this.where, 'the state patterns', q, -1),
        projection: knownDim(this.where, 'the pattern projection', v, -1),
      },
      shapes: [k, q, v],
    };
  }

  override build(inputShape: Shape | Shape[]): void {
    const { widths, shapes } = this.widthsFromShapes(inputShape);
    const dims = resolveHopfieldDimensions(this.where, this.config, widths);
    this.dims = dims;
    const o = this.config;
    const [kShape, qShape, vShape] = shapes as [Shape, Shape, Shape];
    const norm = (name: string, eps: number, affine: boolean, shape: Shape): LayerNorm => {
      const layer = this.track(new LayerNorm({ name, epsilon: eps, center: affine, scale: affine, trainable: this.trainable }));
      this.buildChild(layer, shape);
      return layer;
    };
    if (o.normalizeStoredPattern)
      this.normStored = norm('norm_stored', o.normalizeStoredPatternEps, o.normalizeStoredPatternAffine, kShape);
    if (o.normalizeStatePattern) this.normState = norm('norm_state', o.normalizeStatePatternEps, o.normalizeStatePatternAffine, qShape);
    if (o.normalizePatternProjection) {
      this.normProjection = norm('norm_projection', o.normalizePatternProjectionEps, o.normalizePatternProjectionAffine, vShape);
    }
    const dense = (name: string, units: number, shape: Shape): Dense => {
      const layer = this.track(
        new Dense({ name, units, useBias: o.inputBias, kernelInitializer: o.kernelInitializer, trainable: this.trainable }),
      );
      this.buildChild(layer, shape);
      return layer;
    };
    const hiddenAll = dims.heads * dims.hidden;
    const patternAll = dims.heads * dims.pattern;
    if (!o.statePatternAsStatic) this.stateProjection = dense('state_projection', hiddenAll, qShape);
    if (!o.storedPatternAsStatic) this.storedProjection = dense('stored_projection', hiddenAll, kShape);
    if (!o.patternProjectionAsStatic && !o.patternProjectionAsConnected) {
      this.patternProjection = dense('pattern_projection', patternAll, vShape);
    }
    if (!o.disableOutProjection) this.outputProjection = dense('output_projection', dims.output, [null, null, patternAll]);
    if (o.normalizeHopfieldSpace && o.normalizeHopfieldSpaceAffine) {
      this.hopfieldGamma = this.addWeight('hopfield_norm_gamma', [dims.hidden], 'float32', initializers.ones());
      this.hopfieldBeta = this.addWeight('hopfield_norm_beta', [dims.hidden], 'float32', initializers.zeros());
    }
    if (o.concatBiasPattern) {
      this.biasStored = this.addWeight('bias_stored', [hiddenAll], 'float32', createKernelInitializer('truncatedNormal'));
      this.biasProjection = this.addWeight('bias_projection', [patternAll], 'float32', createKernelInitializer('truncatedNormal'));
    }
    this.built = true;
  }

  override computeOutputShape(inputShape: Shape | Shape[]): Shape | Shape[] {
    const { widths, shapes } = this.widthsFromShapes(inputShape);
    const dims = this.dims ?? resolveHopfieldDimensions(this.where, this.config, widths);
    const [kShape, qShape] = shapes as [Shape, Shape, Shape];
    const batch = qShape[0] ?? null;
    const out: Shape = [batch, qShape[1] ?? null, dims.output];
    if (!this.config.returnAssociations) return out;
    const extra = (this.config.concatBiasPattern ? 1 : 0) + (this.config.addZeroAssociation ? 1 : 0);
    const s = kShape[1] == null ? null : (kShape[1] as number) + extra;
    return [out, [batch, dims.heads, qShape[1] ?? null, s]];
  }

  /** Splits the positional inputs (and eager keyword masks) into named inputs. */
  private namedInputs(inputs: tf.Tensor | tf.Tensor[], kwargs: CallKwargs | undefined): HopfieldInputs {
    const list = toTensorList(inputs);
    const n = dataCount(this.where, list.length, this.maskInputs);
    const data = n === 1 ? [list[0], list[0], list[0]] : list.slice(0, 3);
    let i = n;
    const fromKw = (key: string): tf.Tensor | null => {
      const v = kwargs?.[key];
      return v instanceof tf.Tensor ? v : null;
    };
    const padding = this.config.storedPatternPaddingMaskInput ? (list[i++] as tf.Tensor) : fromKw('storedPatternPaddingMask');
    const association = this.config.associationMaskInput ? (list[i++] as tf.Tensor) : fromKw('associationMask');
    const [keys, queries, values] = data as [tf.Tensor, tf.Tensor, tf.Tensor];
    return { keys, queries, values, storedPatternPaddingMask: padding, associationMask: association };
  }

  /** Brings the two masks to one rank-4 0/1 mask `[b|1, h|1, L|1, S]`, or null. */
  private combinedMask(inputs: HopfieldInputs, batch: number, L: number, S: number): tf.Tensor | null {
    const heads = this.dimensions.heads;
    const fits = (d: number | undefined, n: number): boolean => d === 1 || d === n;
    let mask: tf.Tensor | null = null;
    const pad = inputs.storedPatternPaddingMask ?? null;
    if (pad) {
      if (pad.rank !== 2 || !fits(pad.shape[0], batch) || pad.shape[1] !== S) {
        throw new Error(
          `${this.where}: storedPatternPaddingMask must have shape [${batch}, ${S}] (1 = valid, 0 = padding), got ${formatShape(pad.shape)}.`,
        );
      }
      mask = tf.reshape(tf.cast(tf.notEqual(pad, 0), 'float32'), [pad.shape[0] as number, 1, 1, S]);
    }
    const assoc = inputs.associationMask ?? null;
    if (assoc) {
      const bad = (): Error =>
        new Error(
          `${this.where}: associationMask of shape ${formatShape(assoc.shape)} does not fit batch ${batch}, heads ${heads}, ` +
            `L ${L}, S ${S}; use [L, S], [batch, L, S] or [batch, heads, L, S] (1 = allowed, 0 = blocked).`,
        );
      let m4: tf.Tensor;
      if (assoc.rank === 2) {
        if (!fits(assoc.shape[0], L) || assoc.shape[1] !== S) throw bad();
        m4 = tf.reshape(assoc, [1, 1, assoc.shape[0] as number, S]);
      } else if (assoc.rank === 3) {
        if (!fits(assoc.shape[0], batch) || !fits(assoc.shape[1], L) || assoc.shape[2] !== S) throw bad();
        m4 = tf.expandDims(assoc, 1);
      } else if (assoc.rank === 4) {
        const [b, h, l, s] = assoc.shape as [number, number, number, number];
        if (!fits(b, batch) || !fits(h, heads) || !fits(l, L) || s !== S) throw bad();
        m4 = assoc;
      } else {
        throw bad();
      }
      const m = tf.cast(tf.notEqual(m4, 0), 'float32');
      mask = mask ? tf.mul(mask, m) : m;
    }
    return mask;
  }

  private checkInputs(inputs: HopfieldInputs): void {
    const dims = this.dimensions;
    const values = inputs.values ?? inputs.keys;
    const parts: [string, tf.Tensor, number][] = [
      ['keys (stored patterns)', inputs.keys, dims.stored],
      ['queries (state patterns)', inputs.queries, dims.state],
      ['values (pattern projection)', values, dims.projection],
    ];
    for (const [what, t, width] of parts) {
      assertRank(this.where, what, t, [3], '[batch, patterns, width]');
      assertFloat(this.where, what, t);
      if (t.shape[2] !== width) {
        throw new Error(
          `${this.where}: ${what} must have width ${width} (the layer was built for it), got ${formatShape(t.shape)}; use a new layer for other widths.`,
        );
      }
    }
    const batch = inputs.queries.shape[0];
    if (inputs.keys.shape[0] !== batch || values.shape[0] !== batch) {
      throw new Error(
        `${this.where}: keys ${formatShape(inputs.keys.shape)}, queries ${formatShape(inputs.queries.shape)} and values ` +
          `${formatShape(values.shape)} must have the same batch size.`,
      );
    }
    if (values.shape[1] !== inputs.keys.shape[1]) {
      throw new Error(
        `${this.where}: values ${formatShape(values.shape)} must hold one pattern per stored pattern (keys ${formatShape(inputs.keys.shape)}).`,
      );
    }
  }

  /**
   * Runs the association on named inputs `{ keys, queries, values }` (builds the layer on first
   * use) and returns the output together with the association matrix, the projected patterns and,
   * on request, the energy after every update.
   */
  associate(inputs: HopfieldInputs, options: HopfieldRunOptions = {}): HopfieldAssociationOutput {
    const values = inputs.values ?? inputs.keys;
    if (!this.built) this.build([inputs.keys.shape, inputs.queries.shape, values.shape]);
    this.checkInputs(inputs);
    const dims = this.dimensions;
    const o = this.config;
    const training = options.training ?? false;
    const kw: CallKwargs = { training };
    const [batch, L] = inputs.queries.shape as [number, number, number];
    const S = inputs.keys.shape[1] as number;
    const run = tf.tidy(() => {
      const kIn = this.normStored ? this.callChild(this.normStored, inputs.keys, kw) : inputs.keys;
      const qIn = this.normState ? this.callChild(this.normState, inputs.queries, kw) : inputs.queries;
      const vIn = this.normProjection ? this.callChild(this.normProjection, values, kw) : values;
      let q = this.stateProjection ? splitHeads(this.callChild(this.stateProjection, qIn, kw), dims.heads) : tileHeads(qIn, dims.heads);
      let k = this.storedProjection ? splitHeads(this.callChild(this.storedProjection, kIn, kw), dims.heads) : tileHeads(kIn, dims.heads);
      let v: tf.Tensor;
      if (o.patternProjectionAsConnected) {
        v = this.storedProjection ? splitHeads(this.callChild(this.storedProjection, vIn, kw), dims.heads) : tileHeads(vIn, dims.heads);
      } else {
        v = this.patternProjection ? splitHeads(this.callChild(this.patternProjection, vIn, kw), dims.heads) : tileHeads(vIn, dims.heads);
      }
      if (o.normalizeHopfieldSpace) {
        const gamma = this.hopfieldGamma?.read() ?? null;
        const beta = this.hopfieldBeta?.read() ?? null;
        q = layerNorm(q, gamma, beta, o.normalizeHopfieldSpaceEps);
        k = layerNorm(k, gamma, beta, o.normalizeHopfieldSpaceEps);
      }
      let mask = this.combinedMask(inputs, batch, L, S);
      if (this.biasStored && this.biasProjection) {
        const rowK = tf.reshape(this.biasStored.read(), [1, dims.heads, 1, dims.hidden]);
        const rowV = tf.reshape(this.biasProjection.read(), [1, dims.heads, 1, dims.pattern]);
        const withK = appendPattern(k, rowK, mask);
        k = withK.k;
        v = appendPattern(v, rowV, null).k;
        mask = withK.mask;
      }
      if (o.addZeroAssociation) {
        const withK = appendPattern(k, tf.zeros([1, dims.heads, 1, dims.hidden]), mask);
        k = withK.k;
        v = appendPattern(v, tf.zeros([1, dims.heads, 1, dims.pattern]), null).k;
        mask = withK.mask;
      }
      const result = hopfieldAssociation(q, k, {
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

  /** The association of `call`; see the class description for the input layouts. */
  override call(inputs: tf.Tensor | tf.Tensor[], kwargs: CallKwargs): tf.Tensor | tf.Tensor[] {
    if (!this.built) throw new Error(`${this.where}: call the layer through apply() first.`);
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
  getAssociationMatrix(
    inputs: tf.Tensor | tf.Tensor[],
    masks: Pick<HopfieldInputs, 'storedPatternPaddingMask' | 'associationMask'> = {},
  ): tf.Tensor4D {
    const r = this.associate(this.namedForInspection(inputs, masks));
    tf.dispose([r.output, r.projectedPatterns]);
    return r.associations;
  }

  /** The projected patterns (values in the Hopfield space) `[batch, heads, S', patternSize]`. */
  getProjectedPatternMatrix(
    inputs: tf.Tensor | tf.Tensor[],
    masks: Pick<HopfieldInputs, 'storedPatternPaddingMask' | 'associationMask'> = {},
  ): tf.Tensor4D {
    const r = this.associate(this.namedForInspection(inputs, masks));
    tf.dispose([r.output, r.associations]);
    return r.projectedPatterns;
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

  private namedForInspection(
    inputs: tf.Tensor | tf.Tensor[],
    masks: Pick<HopfieldInputs, 'storedPatternPaddingMask' | 'associationMask'>,
  ): HopfieldInputs {
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
