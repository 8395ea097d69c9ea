import * as tf from '@tensorflow/tfjs-core';
import type { Shape } from '@tensorflow/tfjs-layers';
import { z } from '../config/validate-config';
import { assertLastDim, assertRank, formatShape } from '../ops/assert-shape';
import { dropout } from '../ops/dropout';
import { mergeHeads, splitHeads } from '../ops/split-heads';
import { topKAttention } from '../ops/top-k-attention';
import { AitLayer, type CallKwargs } from './ait-layer';
import { Dense } from './dense';
import { KERNEL_INITIALIZER_NAMES } from './kernel-initializer';
import { layerArgsShape, rateSchema } from './layer-args-schema';
import type { LayerArgsOf, LayerConfigOf } from './layer-config';
import { knownDim, toShapeList, toTensorList, widthOnlyShape } from './layer-inputs';

const topKAttentionSchema = z.strictObject({
  ...layerArgsShape,
  /** Number of heads (AiT's bottleneck: 8). */
  numHeads: z.number().int().positive(),
  /** Width of each head; default `queryDim / numHeads` (AiT: the memory width Dm). */
  headDim: z.number().int().positive().nullish(),
  /** How many keys each query keeps (AiT: 512). `topK >= keys` is plain softmax attention. */
  topK: z.number().int().positive(),
  /** Output width; default the query input width. */
  outputDim: z.number().int().positive().nullish(),
  /** Whether the four projections have biases; default false (AiT's bottleneck write). */
  useBias: z.boolean().default(false),
  /** Dropout rate after the output projection while training; default 0 (AiT: 0.1). */
  dropout: rateSchema.default(0),
  /** Kernel initialiser of all projections; default `glorotUniform`. */
  kernelInitializer: z.enum(KERNEL_INITIALIZER_NAMES).default('glorotUniform'),
  /** Whether `call` returns `[output, gate]` instead of `output`; default false. */
  returnGate: z.boolean().default(false),
  /** Whether each call keeps a copy of its gate for {@link TopKAttention.lastGate}; default false. */
  storeGate: z.boolean().default(false),
});

/** Options of {@link TopKAttention} (each documented on the schema). */
export type TopKAttentionArgs = LayerArgsOf<typeof topKAttentionSchema>;

/** What {@link TopKAttention.attend} returns; all tensors belong to the caller. */
export interface TopKAttentionOutput {
  /** `[batch?, tq, outputDim]`. */
  output: tf.Tensor;
  /** Top-k softmax weights `[batch?, heads, tq, tk]`, differentiable (for a balance loss). */
  weights: tf.Tensor;
  /** 0/1 mask of the kept entries `[batch?, heads, tq, tk]`, no gradient. */
  gate: tf.Tensor;
}

/**
 * Multi-head top-k sparse attention (AiT's bottleneck write): queries from one input, keys and
 * values from another; each query (head-wise) keeps only its `topK` largest logits, the softmax
 * runs over those, every other key gets weight 0 (see {@link topKSoftmax}).
 *
 * Inputs `[queries, source]`:
 * - `queries [tq, queryDim]` or `[batch, tq, queryDim]` (AiT: the memory slots `[M, Dm]`),
 * - `source [tk, sourceDim]` or `[batch, tk, sourceDim]` (AiT: the tokens `[B*N, D]`, or
 *   `[B, N, D]` to let each image's tokens compete separately).
 * A batch-less input is shared across the other's batch. Projections `query`, `key`, `value`
 * (`-> heads * headDim`) and `output` (`heads * headDim -> outputDim`), without biases by default.
 *
 * Output `[batch?, tq, outputDim]`; with `returnGate`, `[output, gate [batch?, heads, tq, tk]]`.
 * Composite layers that need the weights with gradients call {@link TopKAttention.attend}.
 * With `storeGate`, each call keeps a copy of the gate in {@link TopKAttention.lastGate} (disposed
 * at the next call and with the layer). Serialised as `AitTopKAttention`.
 */
export class TopKAttention extends AitLayer {
  /** tfjs serialisation name. */
  static className = 'AitTopKAttention';
  /** The validated options (serialised by `getConfig`). */
  readonly config: LayerConfigOf<typeof topKAttentionSchema>;

  private queryDim = -1;
  private sourceDim = -1;
  private headDim = -1;
  private queryProj: Dense | null = null;
  private keyProj: Dense | null = null;
  private valueProj: Dense | null = null;
  private outputProj: Dense | null = null;

  constructor(args: TopKAttentionArgs) {
    super(args);
    this.config = this.configureLayer('TopKAttention', topKAttentionSchema, args);
  }

  private pair(shapes: Shape[]): [Shape, Shape] {
    if (shapes.length !== 2) {
      throw new Error(`${this.layerLabel}: expects two inputs [queries, source], got ${shapes.length}.`);
    }
    const [q, s] = shapes as [Shape, Shape];
    assertRank(this.layerLabel, 'queries', { shape: q }, [2, 3], '[tq, queryDim] or [batch, tq, queryDim]');
    assertRank(this.layerLabel, 'source', { shape: s }, [2, 3], '[tk, sourceDim] or [batch, tk, sourceDim]');
    return [q, s];
  }

  override build(inputShape: Shape | Shape[]): void {
    const [q, s] = this.pair(toShapeList(inputShape));
    this.queryDim = knownDim(this.layerLabel, 'queries', q, -1);
    this.sourceDim = knownDim(this.layerLabel, 'source', s, -1);
    const { numHeads, headDim, outputDim, useBias, kernelInitializer } = this.config;
    if (headDim == null && this.queryDim % numHeads !== 0) {
      throw new Error(
        `${this.layerLabel}: the query width ${this.queryDim} is not divisible by numHeads = ${numHeads}; ` + `set headDim explicitly.`,
      );
    }
    this.headDim = headDim ?? this.queryDim / numHeads;
    const inner = numHeads * this.headDim;
    const common = { kernelInitializer, useBias, trainable: this.trainable };
    this.queryProj = this.track(new Dense({ ...common, units: inner, name: 'query' }));
    this.keyProj = this.track(new Dense({ ...common, units: inner, name: 'key' }));
    this.valueProj = this.track(new Dense({ ...common, units: inner, name: 'value' }));
    this.outputProj = this.track(new Dense({ ...common, units: outputDim ?? this.queryDim, name: 'output' }));
    this.buildByCalling([widthOnlyShape(q, this.queryDim), widthOnlyShape(s, this.sourceDim)]);
  }

  override computeOutputShape(inputShape: Shape | Shape[]): Shape | Shape[] {
    const [q, s] = this.pair(toShapeList(inputShape));
    const batched = q.length === 3 || s.length === 3;
    const batch = q.length === 3 ? (q[0] ?? null) : s.length === 3 ? (s[0] ?? null) : null;
    const tq = q[q.length - 2] ?? null;
    const tk = s[s.length - 2] ?? null;
    const width = this.config.outputDim ?? q[q.length - 1] ?? null;
    const out: Shape = batched ? [batch, tq, width] : [tq, width];
    if (!this.config.returnGate) return out;
    const gate: Shape = batched ? [batch, this.config.numHeads, tq, tk] : [this.config.numHeads, tq, tk];
    return [out, gate];
  }

  /**
   * Runs the attention and returns output, weights and gate (see {@link TopKAttentionOutput});
   * the caller owns them. The layer must be built (through `apply` or a parent's `buildChild`).
   *
   * @param queries `[tq, queryDim]` or `[batch, tq, queryDim]`
   * @param source `[tk, sourceDim]` or `[batch, tk, sourceDim]`
   */
  attend(queries: tf.Tensor, source: tf.Tensor, kwargs: CallKwargs = {}): TopKAttentionOutput {
    if (!this.built) {
      throw new Error(
        `${this.layerLabel}: the layer is not built; call layer.apply([queries, source]) once, or build it from a ` +
          `parent layer with buildChild.`,
      );
    }
    this.pair([queries.shape, source.shape]);
    assertLastDim(this.layerLabel, 'queries', queries, this.queryDim, `The layer was built for queries [..., ${this.queryDim}].`);
    assertLastDim(this.layerLabel, 'source', source, this.sourceDim, `The layer was built for source [..., ${this.sourceDim}].`);
    if (queries.rank === 3 && source.rank === 3 && queries.shape[0] !== source.shape[0]) {
      throw new Error(
        `${this.layerLabel}: queries ${formatShape(queries.shape)} and source ${formatShape(source.shape)} must have the ` +
          `same batch size (or drop the batch axis of one of them to share it).`,
      );
    }
    const training = this.isTraining(kwargs);
    const childKwargs: CallKwargs = { training };
    return tf.tidy(() => {
      // [tq|tk, heads * d] -> [heads, t, d]; [batch, t, heads * d] -> [batch, heads, t, d].
      // A batch-less side is broadcast over the other's batch by topKAttention.
      const q = splitHeads(this.callChild(this.queryProj as Dense, queries, childKwargs), this.config.numHeads);
      const k = splitHeads(this.callChild(this.keyProj as Dense, source, childKwargs), this.config.numHeads);
      const v = splitHeads(this.callChild(this.valueProj as Dense, source, childKwargs), this.config.numHeads);
      const attn = topKAttention(q, k, v, this.config.topK);
      const merged = mergeHeads(attn.output);
      const projected = this.callChild(this.outputProj as Dense, merged, childKwargs);
      return { output: dropout(projected, this.config.dropout, training), weights: attn.weights, gate: attn.gate };
    });
  }

  /** `[queries, source]` -> output (or `[output, gate]` with `returnGate`); see the class description. */
  override call(inputs: tf.Tensor | tf.Tensor[], kwargs: CallKwargs): tf.Tensor | tf.Tensor[] {
    const list = toTensorList(inputs);
    if (list.length !== 2) {
      throw new Error(`${this.layerLabel}: expects two inputs [queries, source], got ${list.length}.`);
    }
    const { output, weights, gate } = this.attend(list[0] as tf.Tensor, list[1] as tf.Tensor, kwargs);
    weights.dispose();
    if (this.config.storeGate) this.keepCopy('gate', gate);
    if (this.config.returnGate) return [output, gate];
    gate.dispose();
    return output;
  }

  /**
   * The gate `[batch?, heads, tq, tk]` of the last call when `storeGate` is on, else `null`. It
   * belongs to the layer: valid until the next call or `dispose()`; clone it to keep it.
   */
  get lastGate(): tf.Tensor | null {
    return this.keptCopy('gate');
  }
}
tf.serialization.registerClass(TopKAttention);
