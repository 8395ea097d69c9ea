import * as tf from '@tensorflow/tfjs-core';
import type { Shape } from '@tensorflow/tfjs-layers';
import { Dense, FeedForward, type CallKwargs, type LayerArgsOf } from '@ait/core';
import { ClassToken } from '../../blocks/class-token';
import { imageClassifierInputSpec } from '../../blocks/image-classifier-options';
import { SinusoidalPositionEmbedding1d } from '../../blocks/sinusoidal-position-embedding-1d';
import { VisionModelSkeleton, type BuildShapes, type PreNormPair } from '../vision-model-skeleton';
import { coordinationLayerSchema } from './coordination-config';
import { SharedWorkspace } from './shared-workspace';

/** Constructor arguments of {@link Coordination}: its config plus tfjs layer arguments. */
export type CoordinationArgs = LayerArgsOf<typeof coordinationLayerSchema>;

/**
 * Transformer with a shared global workspace (Goyal et al., ICLR 2022, "TR+SSC"), as its reference
 * code builds it for images, on the {@link VisionModelSkeleton}: images `[batch, H, W, C]` -> patches -> `Linear(P*P*C, D)` -> CLS token
 * prepended -> fixed 1-D sinusoidal positions -> `layers` pre-norm layers
 * `x = x + dropout(broadcast(workspace(LN(x))))`, `x = x + dropout(FFN_relu(LN(x)))` -> linear
 * head on the CLS token (or the token mean) -> logits `[batch, classes]`.
 *
 * Tokens do not attend to each other: they communicate only through M memory slots, written with
 * top-k competition and read back by every token ({@link SharedWorkspace}). The memory starts
 * each forward pass at the reference's fixed initial state (identity rows, zero-padded to D) and
 * is carried from layer to layer; with `sharedParameters` (the paper's setting) one set of layer
 * weights is applied `layers` times.
 *
 * Internal maps (with `recordMaps`): `layer{l}/write` `[batch, heads, slots, tokens]` (exactly
 * `topK` non-zeros per row), `layer{l}/broadcast` `[batch, heads, tokens, slots]`,
 * `layer{l}/memory` `[batch, slots, D]`, `layer{l}/input_gate` and `layer{l}/forget_gate`
 * `[batch, slots, D or 1]`. Serialised as `AitCoordination`.
 *
 * With `positionTable: 'official'` and `slotGateBias: true` (and `sharedParameters`, `keyDim` 32,
 * `gateStyle: 'unit'`, `pool: 'cls'`) it computes what the official code computes, outputs and
 * gradients (see `officialCoordinationWeightMap`); the defaults keep the standard position table
 * and no per-slot gate bias.
 */
export class Coordination extends VisionModelSkeleton<typeof coordinationLayerSchema> {
  /** tfjs serialisation name. */
  static className = 'AitCoordination';
  /** One layer's weights (`sharedParameters`), or one per layer: norm1, workspace, norm2, feed-forward network. */
  private readonly layerWeights: PreNormPair<SharedWorkspace, FeedForward>[];
  private initialMemory: tf.Tensor2D | null = null;

  constructor(args: CoordinationArgs) {
    super('Coordination', coordinationLayerSchema, args);
    const c = this.config;
    const trainable = this.trainable;
    const tokenizer = this.trackLinearPatchEmbedding(c.patchSize, c.dim);
    const classToken = c.pool === 'cls' ? this.track(new ClassToken({ name: 'cls_token', trainable })) : null;
    this.layerWeights = Array.from({ length: c.sharedParameters ? 1 : c.layers }, (_, i) => {
      const prefix = c.sharedParameters ? 'layer' : `layer${i}`;
      const workspace = new SharedWorkspace({
        slots: c.slots,
        numHeads: c.heads,
        keyDim: c.keyDim,
        topK: c.topK,
        gateStyle: c.gateStyle,
        renormalizeTopK: c.renormalizeTopK,
        slotGateBias: c.slotGateBias,
        name: `${prefix}_workspace`,
        trainable,
      });
      const ffn = new FeedForward({ hiddenDim: c.ffnDim, activation: 'relu', name: `${prefix}_ffn`, trainable });
      return this.trackPreNormPair(prefix, workspace, ffn);
    });
    const positions = this.track(new SinusoidalPositionEmbedding1d({ table: c.positionTable, name: 'pos_embed', trainable }));
    const head = this.track(new Dense({ units: c.classes, name: 'head', trainable }));
    this.assemble(imageClassifierInputSpec(c, 'the position table'), c.classes, {
      tokenizer,
      classToken,
      positions,
      blocks: [],
      pooling: c.pool,
      head,
    });
  }

  /** Builds the layers and the initial memory (identity rows, zero-padded to D). */
  protected override buildBlocks(shapes: BuildShapes): Shape {
    const c = this.config;
    const rows: Shape = [null, null, c.dim];
    for (const l of this.layerWeights) this.buildPreNormPair(l, rows, [rows, [null, c.slots, c.dim]]);
    this.initialMemory?.dispose();
    this.initialMemory = tf.keep(
      tf.tidy(() =>
        tf.slice(
          tf.pad(tf.eye(c.slots), [
            [0, 0],
            [0, Math.max(0, c.dim - c.slots)],
          ]),
          [0, 0],
          [c.slots, c.dim],
        ),
      ) as tf.Tensor2D,
    );
    return shapes.tokens;
  }

  /**
   * The `layers` layers, each `x = x + dropout(broadcast(workspace(LN(x))))`, then
   * `x = x + dropout(FFN_relu(LN(x)))`, the memory `[batch, slots, D]` carried from layer to layer.
   */
  protected override runBlocks(x: tf.Tensor, kw: CallKwargs): tf.Tensor {
    const c = this.config;
    const drop = { kind: 'dropout', rate: c.dropout } as const;
    let memory: tf.Tensor = tf.broadcastTo(tf.expandDims(this.initialMemory as tf.Tensor2D, 0), [x.shape[0] as number, c.slots, c.dim]);
    for (let i = 0; i < c.layers; i++) {
      const l = this.layerWeights[c.sharedParameters ? 0 : i] as PreNormPair<SharedWorkspace, FeedForward>;
      x = this.preNormPair(x, l, kw, drop, (h) => {
        const step = l.mixer.step(h, memory, kw);
        memory = step.memory;
        this.recorder.record(`layer${i}/write`, step.write);
        this.recorder.record(`layer${i}/broadcast`, step.broadcast);
        this.recorder.record(`layer${i}/memory`, step.memory);
        this.recorder.record(`layer${i}/input_gate`, step.inputGate);
        this.recorder.record(`layer${i}/forget_gate`, step.forgetGate);
        return step.output;
      });
    }
    return x;
  }

  protected override disposeResources(): void {
    super.disposeResources();
    this.initialMemory?.dispose();
    this.initialMemory = null;
  }
}
tf.serialization.registerClass(Coordination);
