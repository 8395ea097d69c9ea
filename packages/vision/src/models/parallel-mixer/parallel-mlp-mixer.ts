import * as tf from '@tensorflow/tfjs-core';
import type { LayerVariable } from '@tensorflow/tfjs-layers';
import { Dense, LayerNorm, type AitLayerArgs, type CallKwargs, type z } from '@ait/core';
import { ParallelMixerBlock } from '@ait/hopfield';
import { imageClassifierInputSpec } from '../../blocks/image-classifier-options';
import { VisionModelSkeleton } from '../vision-model-skeleton';
import { parallelMlpMixerLayerSchema, type parallelMlpMixerSchema } from './parallel-mlp-mixer-config';

/** Constructor arguments of {@link ParallelMlpMixer}: its config plus tfjs layer arguments. */
export type ParallelMlpMixerArgs = AitLayerArgs & z.input<typeof parallelMlpMixerSchema>;

/**
 * The parallelized MLP-Mixer derived from hierarchical associative memory (Karakida, Ota, Taki,
 * arXiv 2406.12220; reference code `Toshihiro-Ota/paramixer`), on the {@link VisionModelSkeleton}
 * with `@ait/hopfield`'s `ParallelMixerBlock` as its block: images `[batch, H, W, C]` -> per-patch linear embedding `[batch, N, dim]`
 * -> `depth` blocks, each `nIter` tied update steps `x = x + alpha (MLP_tok(g^T)^T + MLP_ch(g))`
 * with `g` one layer norm over the whole `[N, dim]` matrix -> per-token LN -> mean over tokens ->
 * linear head (zero-initialised) -> logits `[batch, classes]`. The matrix layer norm has one gain
 * per block (`normGain: 'scalar'`, the default: what the paper's layer-norm energy needs) or a gain
 * per entry `[N, dim]` (`'perEntry'`: the authors' code's `nn.LayerNorm((N, dim))`, `N * dim - 1`
 * more parameters per block); its shift is `[N, dim]` in both.
 *
 * `variant: 'symmetric'` is the model the energy gives (tied maps `W^T gelu(W g)`), so each step
 * descends the block's energy; `'symmetryBreaking'` adds a free map W2 per MLP (initialised to 0)
 * whose penalty `lambda ||W2||^2` each block reports as an auxiliary loss while training; `'free'`
 * uses vanilla MLPs. The paper's finding: symmetric maps hurt image classification, and breaking
 * the symmetry recovers MLP-Mixer accuracy.
 *
 * Internal maps (with `recordMaps`): `block{i}/token_coupling` `[N, N]` and
 * `block{i}/channel_coupling` `[dim, dim]`, the linear parts `W_in W_out` of the two MLPs
 * (symmetric exactly for the symmetric variant), and for the symmetric variant with the scalar gain
 * `block{i}/energy` `[batch]`, the Hopfield energy of the state entering the block.
 * Serialised as `AitParallelMlpMixer`.
 */
export class ParallelMlpMixer extends VisionModelSkeleton<typeof parallelMlpMixerLayerSchema> {
  /** tfjs serialisation name. */
  static className = 'AitParallelMlpMixer';
  /** The mixing blocks, in order. */
  readonly blocks: readonly ParallelMixerBlock[];

  constructor(args: ParallelMlpMixerArgs) {
    super('ParallelMlpMixer', parallelMlpMixerLayerSchema, args);
    const c = this.config;
    const trainable = this.trainable;
    const tokenizer = this.trackLinearPatchEmbedding(c.patchSize, c.dim, 'stem');
    this.blocks = Array.from({ length: c.depth }, (_, i) =>
      this.track(
        new ParallelMixerBlock({
          tokenHiddenDim: c.tokenMlpDim,
          channelHiddenDim: c.channelMlpDim,
          variant: c.variant,
          useBias: c.useBias,
          iterations: c.nIter,
          stepSize: c.stepSize,
          epsilon: c.epsilon,
          normGain: c.normGain,
          symmetryPenalty: c.symmetryPenalty,
          name: `block${i}`,
          trainable,
        }),
      ),
    );
    const norm = this.track(new LayerNorm({ epsilon: 1e-6, name: 'final_norm', trainable }));
    const head = this.track(new Dense({ units: c.classes, kernelInitializer: 'zeros', name: 'head', trainable }));
    this.assemble(imageClassifierInputSpec(c, 'the matrix layer norm'), c.classes, {
      tokenizer,
      blocks: this.blocks,
      norm,
      pooling: 'mean',
      headDropout: c.dropout,
      head,
    });
  }

  /**
   * Sets lambda of every block's symmetry-breaking penalty (e.g. annealed from 1 to 0 in a
   * callback); `config.symmetryPenalty` (and so `getConfig`) follows it.
   */
  setSymmetryPenalty(lambda: number): void {
    for (const b of this.blocks) b.setSymmetryPenalty(lambda);
    (this.config as { symmetryPenalty: number }).symmetryPenalty = lambda;
  }

  /** The total penalty `lambda sum_blocks (||W2_tok||^2 + ||W2_ch||^2)` (0 unless `symmetryBreaking`), a scalar. */
  symmetryPenaltyLoss(): tf.Scalar {
    return tf.tidy(() => tf.addN(this.blocks.map((b) => b.symmetryPenaltyLoss())) as tf.Scalar);
  }

  /** Block weights by short name (`token_weights`, `channel_extra`, ...). */
  private blockWeight(block: ParallelMixerBlock, name: string): tf.Tensor | null {
    const w = block.weights.find((v: LayerVariable) => v.originalName.endsWith(`/${name}`));
    return w ? w.read() : null;
  }

  /**
   * The linear parts `W_in W_out` of a block's token MLP `[N, N]` and channel MLP `[dim, dim]`:
   * `W^T W` (symmetric), `W^T (W + W2^T)` (symmetryBreaking) or `W^T W_out^T` (free), with
   * `@ait/hopfield`'s weight layout `W [hidden, in]`, `W2`, `W_out` `[in, hidden]`.
   */
  couplings(block: ParallelMixerBlock): { token: tf.Tensor2D; channel: tf.Tensor2D } {
    return tf.tidy(() => {
      const one = (kind: 'token' | 'channel'): tf.Tensor2D => {
        const w = this.blockWeight(block, `${kind}_weights`) as tf.Tensor2D;
        const extra = this.blockWeight(block, `${kind}_extra`) as tf.Tensor2D | null;
        const out = this.blockWeight(block, `${kind}_out`) as tf.Tensor2D | null;
        if (out) return tf.matMul(w, out, true, true);
        const wOut = extra ? tf.add(w, tf.transpose(extra)) : w;
        return tf.matMul(w, wOut as tf.Tensor2D, true, false);
      };
      return { token: one('token'), channel: one('channel') };
    });
  }

  /** The blocks in turn, recording each one's couplings (and energy) before it runs. */
  protected override runBlocks(x: tf.Tensor, kw: CallKwargs): tf.Tensor {
    const c = this.config;
    this.blocks.forEach((b, i) => {
      if (this.recorder.enabled) {
        const { token, channel } = this.couplings(b);
        this.recorder.record(`block${i}/token_coupling`, token);
        this.recorder.record(`block${i}/channel_coupling`, channel);
        if (c.variant === 'symmetric' && c.normGain === 'scalar') this.recorder.record(`block${i}/energy`, b.energy(x));
      }
      x = this.callChild(b, x, kw);
    });
    return x;
  }
}
tf.serialization.registerClass(ParallelMlpMixer);
