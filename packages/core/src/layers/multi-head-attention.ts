import * as tf from '@tensorflow/tfjs-core';
import type { Shape } from '@tensorflow/tfjs-layers';
import { z } from '../config/validate-config';
import { assertLastDim, assertRank, formatShape } from '../ops/assert-shape';
import { dropout } from '../ops/dropout';
import { scaledDotProductAttention } from '../ops/scaled-dot-product-attention';
import { fusedScaledDotProductAttention } from '../kernels/fused/fused-attention';
import { mergeHeads, splitHeads, splitPackedHeads } from '../ops/split-heads';
import { AitLayer, type CallKwargs } from './ait-layer';
import { Dense } from './dense';
import { KERNEL_INITIALIZER_NAMES } from './kernel-initializer';
import { layerArgsShape, rateSchema } from './layer-args-schema';
import type { LayerArgsOf, LayerConfigOf } from './layer-config';
import { knownDim, toShapeList, toTensorList, widthOnlyShape } from './layer-inputs';

const multiHeadAttentionSchema = z.strictObject({
  ...layerArgsShape,
  /** Number of heads. */
  numHeads: z.number().int().positive(),
  /** Width of each head; default `dim / numHeads` (AiT uses 64 whatever the width). */
  headDim: z.number().int().positive().nullish(),
  /** Output width; default the query input width. */
  outputDim: z.number().int().positive().nullish(),
  /** Whether the query/key/value projections have biases; default true (AiT: false). */
  qkvBias: z.boolean().default(true),
  /** Whether the output projection has a bias; default true. */
  outputBias: z.boolean().default(true),
  /** Dropout rate on the attention weights while training; default 0. */
  attentionDropout: rateSchema.default(0),
  /** Dropout rate after the output projection while training; default 0. */
  outputDropout: rateSchema.default(0),
  /** Kernel initialiser of all projections; default `glorotUniform`. */
  kernelInitializer: z.enum(KERNEL_INITIALIZER_NAMES).default('glorotUniform'),
  /**
   * Whether the last input is an attention mask (`[x, mask]` or `[x, context, mask]`); default
   * false. Without it, a mask can still be given eagerly as `layer.apply(x, { mask })`.
   */
  hasMaskInput: z.boolean().default(false),
  /** Whether `call` returns `[output, weights]` instead of `output`; default false. */
  returnAttentionWeights: z.boolean().default(false),
  /**
   * Whether each call keeps a copy of its attention weights for {@link MultiHeadAttention.lastAttentionWeights}
   * (visualisation); default false.
   */
  storeAttentionWeights: z.boolean().default(false),
});

/** Options of {@link MultiHeadAttention} (each documented on the schema). */
export type MultiHeadAttentionArgs = LayerArgsOf<typeof multiHeadAttentionSchema>;

type Mode = 'self' | 'cross';

/**
 * Multi-head scaled dot-product attention, self- or cross-attention.
 *
 * Inputs (the layout is fixed when the layer is built):
 * - `x [batch, tq, dim]`: self-attention; queries, keys and values come from `x` through one
 *   fused projection `qkv` (`dim -> 3 * heads * headDim`, features ordered q | k | v, each
 *   head-major).
 * - `[x, context [batch, tk, contextDim]]`: cross-attention; queries from `x` (`query`), keys and
 *   values from `context` (`key_value`, `contextDim -> 2 * heads * headDim`, k | v).
 * - with `hasMaskInput`, a mask as the last input. A mask (input or the `mask` keyword of an eager
 *   `apply`) is 1 / true = attend, 0 / false = blocked, shaped `[batch, tk]` (key padding),
 *   `[batch, tq, tk]`, or broadcastable to `[batch, heads, tq, tk]` (rank 4). Fully blocked
 *   queries output the output projection's bias.
 *
 * Output: `[batch, tq, outputDim]` after the output projection `output` (`heads * headDim ->
 * outputDim`, with bias) and output dropout; with `returnAttentionWeights`,
 * `[output, weights [batch, heads, tq, tk]]`.
 *
 * With `storeAttentionWeights`, each call keeps a copy of its (pre-dropout) attention weights,
 * readable through {@link MultiHeadAttention.lastAttentionWeights}; the previous copy is disposed
 * at the next call and when the layer is disposed. Serialised as `AitMultiHeadAttention`.
 */
export class MultiHeadAttention extends AitLayer {
  /** tfjs serialisation name. */
  static className = 'AitMultiHeadAttention';
  /** The validated options (serialised by `getConfig`). */
  readonly config: LayerConfigOf<typeof multiHeadAttentionSchema>;

  private attentionMode: Mode | null = null;
  private dim = -1;
  private contextDim = -1;
  private headDim = -1;
  private qkv: Dense | null = null;
  private query: Dense | null = null;
  private keyValue: Dense | null = null;
  private outputProj: Dense | null = null;

  constructor(args: MultiHeadAttentionArgs) {
    super(args);
    this.config = this.configureLayer('MultiHeadAttention', multiHeadAttentionSchema, args);
  }

  /** Self- or cross-attention from the number of inputs. */
  private modeFor(count: number): Mode {
    const extra = this.config.hasMaskInput ? 1 : 0;
    if (count === 1 + extra) return 'self';
    if (count === 2 + extra) return 'cross';
    const layouts = this.config.hasMaskInput ? '[x, mask] or [x, context, mask]' : 'x or [x, context]';
    throw new Error(
      `${this.layerLabel}: expects ${layouts}${this.config.hasMaskInput ? ' (hasMaskInput is true)' : ''}, got ${count} inputs.`,
    );
  }

  override build(inputShape: Shape | Shape[]): void {
    const shapes = toShapeList(inputShape);
    this.attentionMode = this.modeFor(shapes.length);
    const xShape = shapes[0] as Shape;
    assertRank(this.layerLabel, 'x', { shape: xShape }, [3], '[batch, tokens, dim]');
    this.dim = knownDim(this.layerLabel, 'x', xShape, -1);
    const { numHeads, headDim, outputDim, qkvBias, outputBias, kernelInitializer } = this.config;
    if (headDim == null && this.dim % numHeads !== 0) {
      throw new Error(
        `${this.layerLabel}: the input width ${this.dim} is not divisible by numHeads = ${numHeads}; ` + `set headDim explicitly.`,
      );
    }
    this.headDim = headDim ?? this.dim / numHeads;
    const inner = numHeads * this.headDim;
    const common = { kernelInitializer, trainable: this.trainable };
    const probe: Shape[] = [widthOnlyShape(xShape, this.dim)];
    if (this.attentionMode === 'self') {
      this.qkv = this.track(new Dense({ ...common, units: 3 * inner, useBias: qkvBias, name: 'qkv' }));
    } else {
      const cShape = shapes[1] as Shape;
      assertRank(this.layerLabel, 'context', { shape: cShape }, [3], '[batch, tokens, contextDim]');
      this.contextDim = knownDim(this.layerLabel, 'context', cShape, -1);
      this.query = this.track(new Dense({ ...common, units: inner, useBias: qkvBias, name: 'query' }));
      this.keyValue = this.track(new Dense({ ...common, units: 2 * inner, useBias: qkvBias, name: 'key_value' }));
      probe.push(widthOnlyShape(cShape, this.contextDim));
    }
    this.outputProj = this.track(new Dense({ ...common, units: outputDim ?? this.dim, useBias: outputBias, name: 'output' }));
    // a mask input keeps its rank, every dimension 1
    if (this.config.hasMaskInput) probe.push((shapes[shapes.length - 1] as Shape).map(() => null));
    this.buildByCalling(probe);
  }

  override computeOutputShape(inputShape: Shape | Shape[]): Shape | Shape[] {
    const shapes = toShapeList(inputShape);
    const mode = this.modeFor(shapes.length);
    const x = shapes[0] as Shape;
    const batch = x[0] ?? null;
    const tq = x[1] ?? null;
    const out: Shape = [batch, tq, this.config.outputDim ?? x[2] ?? null];
    if (!this.config.returnAttentionWeights) return out;
    const tk = mode === 'self' ? tq : ((shapes[1] as Shape)[1] ?? null);
    return [out, [batch, this.config.numHeads, tq, tk]];
  }

  /** Brings a layer-level mask to rank 4 `[batch|1, heads|1, tq|1, tk]`. */
  private normaliseMask(mask: tf.Tensor, batch: number, tq: number, tk: number): tf.Tensor {
    const bad = (): Error =>
      new Error(
        `${this.layerLabel}: mask of shape ${formatShape(mask.shape)} does not fit batch ${batch}, tq ${tq}, tk ${tk}. ` +
          `Use [batch, tk] (key padding), [batch, tq, tk], or a rank-4 mask broadcastable to ` +
          `[batch, heads, tq, tk]; 1 = attend, 0 = blocked.`,
      );
    const fits = (d: number | undefined, n: number): boolean => d === 1 || d === n;
    if (mask.rank === 2) {
      if (!fits(mask.shape[0], batch) || !fits(mask.shape[1], tk)) throw bad();
      return tf.reshape(mask, [mask.shape[0] as number, 1, 1, tk]);
    }
    if (mask.rank === 3) {
      if (!fits(mask.shape[0], batch) || !fits(mask.shape[1], tq) || !fits(mask.shape[2], tk)) throw bad();
      return tf.expandDims(mask, 1);
    }
    if (mask.rank === 4) return mask;
    throw bad();
  }

  /** Attention; see the class description for the input layouts. */
  override call(inputs: tf.Tensor | tf.Tensor[], kwargs: CallKwargs): tf.Tensor | tf.Tensor[] {
    if (!this.built || this.attentionMode === null) throw new Error(`${this.layerLabel}: call the layer through apply() first.`);
    const list = toTensorList(inputs);
    const mode = this.modeFor(list.length);
    if (mode !== this.attentionMode) {
      throw new Error(
        `${this.layerLabel}: the layer was built for ${this.attentionMode}-attention but is called with the inputs of ` +
          `${mode}-attention; use a separate layer.`,
      );
    }
    const x = list[0] as tf.Tensor;
    const context = mode === 'cross' ? (list[1] as tf.Tensor) : x;
    const kwMask = kwargs?.mask;
    const mask = this.config.hasMaskInput ? (list[list.length - 1] as tf.Tensor) : kwMask instanceof tf.Tensor ? kwMask : null;
    assertRank(this.layerLabel, 'x', x, [3], '[batch, tokens, dim]');
    assertLastDim(this.layerLabel, 'x', x, this.dim, `The layer was built for x [batch, tokens, ${this.dim}].`);
    if (mode === 'cross') {
      assertRank(this.layerLabel, 'context', context, [3], '[batch, tokens, contextDim]');
      assertLastDim(
        this.layerLabel,
        'context',
        context,
        this.contextDim,
        `The layer was built for context [batch, tokens, ${this.contextDim}].`,
      );
      if (context.shape[0] !== x.shape[0]) {
        throw new Error(
          `${this.layerLabel}: x ${formatShape(x.shape)} and context ${formatShape(context.shape)} must have the same batch size.`,
        );
      }
    }
    const training = this.isTraining(kwargs);
    const [batch, tq] = x.shape as [number, number, number];
    const tk = context.shape[1] as number;
    const childKwargs: CallKwargs = { training };
    const [output, weights] = tf.tidy((): tf.Tensor[] => {
      let q: tf.Tensor;
      let k: tf.Tensor;
      let v: tf.Tensor;
      if (mode === 'self') {
        [q, k, v] = splitPackedHeads(this.callChild(this.qkv as Dense, x, childKwargs), 3, this.config.numHeads) as [
          tf.Tensor,
          tf.Tensor,
          tf.Tensor,
        ];
      } else {
        q = splitHeads(this.callChild(this.query as Dense, x, childKwargs), this.config.numHeads);
        [k, v] = splitPackedHeads(this.callChild(this.keyValue as Dense, context, childKwargs), 2, this.config.numHeads) as [
          tf.Tensor,
          tf.Tensor,
        ];
      }
      const m = mask === null ? null : this.normaliseMask(mask, batch, tq, tk);
      const needWeights = this.config.storeAttentionWeights || this.config.returnAttentionWeights;
      if (!needWeights && m === null && (this.config.attentionDropout === 0 || !training)) {
        // nothing needs the weights: the fused form with its closed-form backward pass
        const attended = fusedScaledDotProductAttention(q, k, v);
        const projected = this.callChild(this.outputProj as Dense, mergeHeads(attended), childKwargs);
        return [dropout(projected, this.config.outputDropout, training)];
      }
      const attn = scaledDotProductAttention(q, k, v, { mask: m, dropoutRate: this.config.attentionDropout, training });
      const projected = this.callChild(this.outputProj as Dense, mergeHeads(attn.output), childKwargs);
      const y = dropout(projected, this.config.outputDropout, training);
      if (this.config.storeAttentionWeights) this.keepCopy('attention', attn.weights);
      return [y, attn.weights];
    }) as [tf.Tensor, tf.Tensor4D | undefined];
    if (this.config.returnAttentionWeights && weights) return [output, weights];
    weights?.dispose();
    return output;
  }

  /**
   * The attention weights `[batch, heads, tq, tk]` (before dropout) of the last call, when
   * `storeAttentionWeights` is on; else `null`. The tensor belongs to the layer: it stays valid
   * until the next call or `dispose()`, so clone it to keep it longer.
   */
  get lastAttentionWeights(): tf.Tensor4D | null {
    return this.keptCopy('attention');
  }
}
tf.serialization.registerClass(MultiHeadAttention);
