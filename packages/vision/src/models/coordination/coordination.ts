import * as tf from '@tensorflow/tfjs-core';
import type { Shape } from '@tensorflow/tfjs-layers';
import { Dense, dropout, FeedForward, LayerNorm, parseLayerConfig, PatchEmbedding, type CallKwargs, type LayerArgsOf } from '@ait/core';
import { ClassToken } from '../../blocks/class-token';
import { imageInputShape, imageInputTensor, assertPatchFits } from '../../blocks/image-input';
import { MapRecorder } from '../../blocks/map-recorder';
import { sinusoidalPositionTable1d } from '../../blocks/sinusoidal-position-table-1d';
import { VisionModel } from '../vision-model';
import { coordinationLayerSchema, type CoordinationConfig } from './coordination-config';
import { SharedWorkspace } from './shared-workspace';

/** Constructor arguments of {@link Coordination}: its config plus tfjs layer arguments. */
export type CoordinationArgs = LayerArgsOf<typeof coordinationLayerSchema>;

interface CoordinationLayer {
  norm1: LayerNorm;
  workspace: SharedWorkspace;
  norm2: LayerNorm;
  ffn: FeedForward;
}

/**
 * Transformer with a shared global workspace (Goyal et al., ICLR 2022, "TR+SSC"), as its reference
 * code builds it for images: images `[batch, H, W, C]` -> patches -> `Linear(P*P*C, D)` -> CLS token
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
 */
export class Coordination extends VisionModel {
  /** tfjs serialisation name. */
  static className = 'AitCoordination';
  /** The validated config (serialised by `getConfig`). */
  readonly config: CoordinationConfig;
  private readonly embed: PatchEmbedding;
  private readonly classToken: ClassToken | null;
  private readonly layerWeights: CoordinationLayer[];
  private readonly head: Dense;
  private positions: tf.Tensor2D | null = null;
  private initialMemory: tf.Tensor2D | null = null;
  private tokens = -1;

  constructor(args: CoordinationArgs) {
    const c = parseLayerConfig('Coordination', coordinationLayerSchema, args);
    super(args);
    this.config = this.useConfig(c);
    const trainable = this.trainable;
    this.recorder = new MapRecorder(c.recordMaps);
    this.embed = this.track(
      new PatchEmbedding({ patchSize: c.patchSize, embedDim: c.dim, preNorm: false, postNorm: false, name: 'patch_embed', trainable }),
    );
    this.classToken = c.pool === 'cls' ? this.track(new ClassToken({ name: 'cls_token', trainable })) : null;
    const copies = c.sharedParameters ? 1 : c.layers;
    this.layerWeights = Array.from({ length: copies }, (_, i) => {
      const prefix = c.sharedParameters ? 'layer' : `layer${i}`;
      return {
        norm1: this.track(new LayerNorm({ name: `${prefix}_norm1`, trainable })),
        workspace: this.track(
          new SharedWorkspace({
            slots: c.slots,
            numHeads: c.heads,
            keyDim: c.keyDim,
            topK: c.topK,
            gateStyle: c.gateStyle,
            renormalizeTopK: c.renormalizeTopK,
            name: `${prefix}_workspace`,
            trainable,
          }),
        ),
        norm2: this.track(new LayerNorm({ name: `${prefix}_norm2`, trainable })),
        ffn: this.track(new FeedForward({ hiddenDim: c.ffnDim, activation: 'relu', name: `${prefix}_ffn`, trainable })),
      };
    });
    this.head = this.track(new Dense({ units: c.classes, name: 'head', trainable }));
  }

  private get where(): string {
    return `Coordination '${this.name}'`;
  }

  override build(inputShape: Shape | Shape[]): void {
    const c = this.config;
    const shape = imageInputShape(this.where, inputShape, c);
    const [, height, width] = shape as [number | null, number, number];
    assertPatchFits(this.where, height, width, c.patchSize);
    this.tokens = (height / c.patchSize) * (width / c.patchSize) + (c.pool === 'cls' ? 1 : 0);
    this.buildChild(this.embed, shape);
    const rows: Shape = [null, null, c.dim];
    if (this.classToken) this.buildChild(this.classToken, rows);
    for (const l of this.layerWeights) {
      this.buildChild(l.norm1, rows);
      this.buildChild(l.workspace, [rows, [null, c.slots, c.dim]]);
      this.buildChild(l.norm2, rows);
      this.buildChild(l.ffn, rows);
    }
    this.buildChild(this.head, [null, c.dim]);
    this.positions?.dispose();
    this.positions = tf.keep(sinusoidalPositionTable1d(this.tokens, c.dim));
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
    this.built = true;
  }

  override computeOutputShape(inputShape: Shape | Shape[]): Shape {
    const shape = imageInputShape(this.where, inputShape, this.config);
    return [shape[0] ?? null, this.config.classes];
  }

  /** Images `[batch, H, W, C]` -> logits `[batch, classes]`. */
  override call(inputs: tf.Tensor | tf.Tensor[], kwargs: CallKwargs): tf.Tensor {
    const c = this.config;
    const { images, dims } = imageInputTensor(this.where, inputs, c);
    assertPatchFits(this.where, dims.height, dims.width, c.patchSize);
    const tokens = (dims.height / c.patchSize) * (dims.width / c.patchSize) + (c.pool === 'cls' ? 1 : 0);
    if (tokens !== this.tokens) {
      throw new Error(
        `${this.where}: the model was built for ${this.tokens} tokens but the ${dims.height}x${dims.width} images give ` +
          `${tokens}; use images of the size the model was built with, or create a new model.`,
      );
    }
    const training = this.isTraining(kwargs);
    const kw: CallKwargs = { training };
    this.recorder.begin();
    return tf.tidy(() => {
      let x = this.callChild(this.embed, images, kw);
      if (this.classToken) x = this.callChild(this.classToken, x, kw);
      x = tf.add(x, this.positions as tf.Tensor2D);
      const batch = images.shape[0];
      let memory: tf.Tensor = tf.broadcastTo(tf.expandDims(this.initialMemory as tf.Tensor2D, 0), [batch, c.slots, c.dim]);
      for (let i = 0; i < c.layers; i++) {
        const l = this.layerWeights[c.sharedParameters ? 0 : i] as CoordinationLayer;
        const step = l.workspace.step(this.callChild(l.norm1, x, kw), memory, kw);
        memory = step.memory;
        x = tf.add(x, dropout(step.output, c.dropout, training));
        const f = this.callChild(l.ffn, this.callChild(l.norm2, x, kw), kw);
        x = tf.add(x, dropout(f, c.dropout, training));
        this.recorder.record(`layer${i}/write`, step.write);
        this.recorder.record(`layer${i}/broadcast`, step.broadcast);
        this.recorder.record(`layer${i}/memory`, step.memory);
        this.recorder.record(`layer${i}/input_gate`, step.inputGate);
        this.recorder.record(`layer${i}/forget_gate`, step.forgetGate);
      }
      const pooled = c.pool === 'cls' ? tf.squeeze(tf.slice(x, [0, 0, 0], [-1, 1, -1]), [1]) : tf.mean(x, 1);
      return this.callChild(this.head, pooled, kw);
    });
  }

  protected override disposeResources(): void {
    super.disposeResources();
    this.positions?.dispose();
    this.initialMemory?.dispose();
    this.positions = null;
    this.initialMemory = null;
  }
}
tf.serialization.registerClass(Coordination);
