import * as tf from '@tensorflow/tfjs-core';
import { initializers, type LayerVariable, type Shape } from '@tensorflow/tfjs-layers';
import {
  addAuxLoss,
  Dense,
  FeedForward,
  globalRng,
  layerArgsShape,
  LayerNorm,
  MultiHeadAttention,
  scheduleStateUpdate,
  TopKAttention,
  widthOnlyShape,
  z,
  type CallKwargs,
  type LayerArgsOf,
} from '@ait/core';
import { detach } from '../../blocks/detach';
import { MapRecorder } from '../../blocks/map-recorder';
import { VisionLayer } from '../../blocks/vision-layer';
import type { InternalMaps } from '../vision-model';
import { aitAblationSchema, globalWorkspaceShape, type GlobalWorkspaceOptions } from './ait-config';
import { balanceLoss } from './balance-loss';
import { HopfieldRead } from './hopfield-read';
import { emaMemoryUpdate } from './memory-update';

/** Epsilon of the LayerNorm after the bottleneck write (the reference's `nn.LayerNorm(d_v, eps=1e-6)`). */
export const WRITE_NORM_EPSILON = 1e-6;

const globalWorkspaceSchema = z
  .strictObject({ ...layerArgsShape, ...globalWorkspaceShape, ablation: aitAblationSchema })
  .superRefine((c, ctx) => {
    if (c.ablation.resetMemory && c.memory === 'learned') {
      ctx.addIssue({ code: 'custom', path: ['ablation', 'resetMemory'], message: "applies to memory 'ema' only" });
    }
  });

/** Options of {@link GlobalWorkspaceLayer}; see `globalWorkspaceShape` in `ait-config.ts` for each field. */
export type GlobalWorkspaceLayerArgs = LayerArgsOf<typeof globalWorkspaceSchema>;

/** Picks the global-workspace options out of a validated config (the `AssociativeTransformer`'s, for its blocks). */
export function pickGlobalWorkspaceOptions(
  config: Omit<GlobalWorkspaceOptions, 'hopfieldHeadDim'> & { hopfieldHeadDim?: number | null },
): GlobalWorkspaceOptions {
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(globalWorkspaceShape)) out[key] = config[key as keyof GlobalWorkspaceOptions];
  out.ablation = { ...config.ablation };
  out.hopfieldHeadDim = config.hopfieldHeadDim ?? null;
  return out as GlobalWorkspaceOptions;
}

/**
 * AiT's global workspace layer (GWL), the sub-layer that replaces the feed-forward network of a
 * transformer block. For `u [batch, tokens, dim]` it computes, as the reference code:
 *
 * 1. `z = LN(W2 gelu(W1 u + b1) + b2)` (children `ff`, `ff_norm`);
 * 2. bottleneck write (child `write`, a `TopKAttention` without biases): the priors `gamma [M, Dm]`
 *    give the queries, `z` the keys and values; with competition 'batch' the tokens of all images
 *    are squashed into one set `[batch * tokens, dim]` and each slot keeps its top k of them per head;
 *    with 'sample' each image's tokens compete separately. Heads are concatenated, projected to Dm,
 *    dropout, added to gamma and normalised (child `write_norm`, eps 1e-6): `O`;
 * 3. balance loss `balanceLossWeight * sum_heads (cv2(importance) + cv2(load))`, reported with
 *    `addAuxLoss` while training;
 * 4. memory `gamma' = rowNormalize(momentum gamma + (1 - momentum) O)`; with 'sample' each image gets
 *    its own `gamma'_b` and the stored update uses the mean of the `O_b`;
 * 5. up-projection `G = gamma' W3 + b3` (child `up`), then the Hopfield read
 *    `R = softmax(beta z G^T) G` (child `read`) and output `R + z`.
 *
 * Memory modes: 'ema' (reference): gamma is the non-trainable weight `priors`; the write output is
 * detached, so the task loss does not reach the write attention (its value and output
 * projections and `write_norm` get no gradient; query and key projections learn from the
 * balance loss only) and gamma' is stored with `scheduleStateUpdate` on every pass (evaluation
 * included unless `memoryUpdateInEval` is false). 'learned': `priors` is a trainable weight and
 * gamma' is computed with gradients, so the priors and the whole write attention learn from the
 * task; nothing is stored. Ablations: see `aitAblationSchema`.
 *
 * Input and output `[batch, tokens, dim]`. Serialised as `AitGlobalWorkspaceLayer`.
 *
 * @example
 * ```ts
 * import * as tf from '@tensorflow/tfjs-core';
 * import { initBackend } from '@ait/core';
 * import { GlobalWorkspaceLayer } from '@ait/vision';
 *
 * await initBackend({ backend: 'cpu' });
 * const gwl = new GlobalWorkspaceLayer({ mlpDim: 128, memorySlots: 8, memoryDim: 16, memoryHeads: 4, topK: 16 });
 * const tokens = tf.randomNormal([2, 16, 64]); // [batch, tokens, dim]
 * const out = gwl.apply(tokens) as tf.Tensor; // [2, 16, 64]; the pass also updates the priors (memory 'ema')
 * ```
 */
export class GlobalWorkspaceLayer extends VisionLayer<typeof globalWorkspaceSchema> {
  /** tfjs serialisation name. */
  static className = 'AitGlobalWorkspaceLayer';
  private readonly ff: FeedForward;
  private readonly ffNorm: LayerNorm;
  private write: TopKAttention | null = null;
  private writeNorm: LayerNorm | null = null;
  private up: Dense | null = null;
  private reader: HopfieldRead | null = null;
  private cross: MultiHeadAttention | null = null;
  private priors: LayerVariable | null = null;
  private readonly recorder: MapRecorder;

  constructor(args: GlobalWorkspaceLayerArgs = {}) {
    super('GlobalWorkspaceLayer', globalWorkspaceSchema, args);
    const config = this.config;
    this.recorder = new MapRecorder(config.recordMaps);
    const trainable = this.trainable;
    this.ff = this.track(new FeedForward({ hiddenDim: config.mlpDim, dropout: config.dropout, name: 'ff', trainable }));
    this.ffNorm = this.track(new LayerNorm({ name: 'ff_norm', trainable }));
  }

  override build(inputShape: Shape | Shape[]): void {
    const tokens = this.inputShapeOf(inputShape, 'u');
    const o = this.config;
    const trainable = this.trainable;
    // ff first: the priors draw their seed after its weights, the order AiT's initial weights have always had
    this.buildChild(this.ff, widthOnlyShape(tokens, this.dim));
    if (!o.ablation.noMemory) {
      this.priors = this.addWeight(
        'priors',
        [o.memorySlots, o.memoryDim],
        'float32',
        initializers.randomNormal({ mean: 0, stddev: 1, seed: globalRng().nextSeed() }),
        undefined,
        o.memory === 'learned' && trainable,
      );
      this.write = this.track(
        new TopKAttention({
          numHeads: o.memoryHeads,
          headDim: o.memoryDim,
          topK: o.ablation.noBottleneck ? Number.MAX_SAFE_INTEGER : o.topK,
          outputDim: o.memoryDim,
          useBias: false,
          dropout: o.writeDropout,
          name: 'write',
          trainable,
        }),
      );
      this.writeNorm = this.track(new LayerNorm({ epsilon: WRITE_NORM_EPSILON, name: 'write_norm', trainable }));
      this.up = this.track(new Dense({ units: this.dim, name: 'up', trainable }));
      const crossArgs = { numHeads: o.crossAttentionHeads, storeAttentionWeights: o.recordMaps, name: 'cross_attention', trainable };
      if (o.ablation.noHopfield) this.cross = this.track(new MultiHeadAttention(crossArgs));
      else {
        this.reader = this.track(
          new HopfieldRead({
            beta: o.beta,
            steps: o.hopfieldSteps,
            projections: o.hopfieldProjections,
            numHeads: o.hopfieldHeads,
            headDim: o.hopfieldHeadDim ?? null,
            dropout: o.hopfieldDropout,
            name: 'read',
            trainable,
          }),
        );
      }
    }
    this.buildByCalling(widthOnlyShape(tokens, this.dim));
  }

  /** The priors weight `[memorySlots, memoryDim]` (`null` with the `noMemory` ablation or before build). */
  get priorsWeight(): LayerVariable | null {
    return this.priors;
  }

  /** `[batch, tokens, dim] -> [batch, tokens, dim]`; see the class description. */
  override call(inputs: tf.Tensor | tf.Tensor[], kwargs: CallKwargs): tf.Tensor {
    const u = this.inputOf(inputs, 'u');
    const o = this.config;
    const training = this.isTraining(kwargs);
    const kw: CallKwargs = { training };
    const record = o.recordMaps && !this.inBuildPass;
    this.recorder.begin();
    return tf.tidy(() => {
      const z = this.callChild(this.ffNorm, this.callChild(this.ff, u, kw), kw);
      if (o.ablation.noMemory) return z;
      const [batch, tokens] = u.shape as [number, number, number];
      const priorsVar = this.priors as LayerVariable;
      // A copy, so that an immediate state update (outside a training loop) cannot change the
      // value this pass (and its gradient tape) sees.
      const gamma = tf.clone(priorsVar.read());
      const perSample = o.competition === 'sample';
      const source = perSample ? z : tf.reshape(z, [batch * tokens, this.dim]);
      // weights/selection: [heads, M, batch * tokens] ('batch') or [batch, heads, M, tokens] ('sample').
      const { output, weights, gate } = this.prepareChild(this.write as TopKAttention, [gamma, source]).attend(gamma, source, kw);
      if (training && !o.ablation.noBalanceLoss && o.balanceLossWeight > 0) {
        addAuxLoss(`${priorsVar.originalName.replace(/\/priors$/, '')}/balance`, balanceLoss(weights, gate, o.balanceLossWeight));
      }
      const written = this.callChild(this.writeNorm as LayerNorm, tf.add(output, gamma), kw);
      const passMemory = emaMemoryUpdate(gamma, written, o.memoryMomentum);
      let readMemory = passMemory;
      if (o.memory === 'ema') {
        readMemory = detach(passMemory);
        const store = !o.ablation.resetMemory && (training || o.memoryUpdateInEval);
        if (store) {
          const next = perSample ? emaMemoryUpdate(gamma, tf.mean(written, 0), o.memoryMomentum) : passMemory;
          scheduleStateUpdate(priorsVar.read() as tf.Variable, detach(next));
        }
      }
      const g = this.callChild(this.up as Dense, readMemory, kw);
      let r: tf.Tensor;
      let associations: tf.Tensor | null = null;
      if (this.cross) {
        const context = g.rank === 2 ? tf.broadcastTo(tf.expandDims(g, 0), [batch, ...g.shape]) : g;
        r = this.callChild(this.cross, [z, context], kw);
        associations = this.cross.lastAttentionWeights;
      } else {
        const res = this.prepareChild(this.reader as HopfieldRead, [z, g]).read(z, g, { ...kw, withAssociations: record });
        r = res.retrieved;
        associations = res.associations;
      }
      if (record) {
        this.recorder.record('gate', weights);
        this.recorder.record('selection', gate);
        this.recorder.record('priors', gamma);
        this.recorder.record('written_priors', readMemory);
        if (associations) this.recorder.record(this.cross ? 'cross_attention' : 'hopfield', associations);
      }
      return tf.add(r, z);
    });
  }

  /**
   * Internal maps of the last forward pass when `recordMaps` is on: `gate` (top-k softmax weights
   * `[heads, M, batch * tokens]`, or `[batch, heads, M, tokens]` per sample), `selection` (its 0/1
   * mask), `priors` (gamma before the pass `[M, Dm]`), `written_priors` (gamma' that the pass read,
   * `[M, Dm]` or `[batch, M, Dm]`) and `hopfield` (association weights `[batch, tokens, M]`, or
   * `[batch, heads, tokens, M]` with learned projections; `cross_attention` `[batch, heads, tokens, M]`
   * in the `noHopfield` ablation). Names get `prefix` prepended.
   */
  internalMaps(prefix = ''): InternalMaps {
    const maps: InternalMaps = {};
    for (const [name, value] of Object.entries(this.recorder.maps())) maps[`${prefix}${name}`] = value;
    return maps;
  }

  protected override disposeResources(): void {
    super.disposeResources();
    this.recorder.dispose();
  }
}
tf.serialization.registerClass(GlobalWorkspaceLayer);
