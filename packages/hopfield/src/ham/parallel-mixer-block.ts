import * as tf from '@tensorflow/tfjs-core';
import { initializers, type LayerVariable, type Shape } from '@tensorflow/tfjs-layers';
import {
  addAuxLoss,
  AitLayer,
  assertRank,
  createKernelInitializer,
  currentForwardContext,
  gelu,
  KERNEL_INITIALIZER_NAMES,
  knownDim,
  layerArgsShape,
  singleShape,
  singleTensor,
  z,
  type CallKwargs,
  type LayerArgsOf,
  type LayerConfigOf,
} from '@ait/core';
import { lastAxisMatMul } from '../ops/last-axis-matmul';
import { parallelMixerActivation, parallelMixerEnergy, type ParallelMixerParams } from './parallel-mixer-energy';

/**
 * How the block's two MLPs relate to the energy:
 * - `symmetric`: tied weights `W^T gelu(W g + b) + c`, exactly the energy descent of the
 *   three-layer network;
 * - `symmetryBreaking`: `W1^T gelu(W1 g + b) + W2 gelu(W1 g + b) + c`, with an extra matrix `W2`
 *   (initialised to zero) held near zero by the penalty `lambda ||W2||^2`;
 * - `free`: the vanilla MLP `W_out gelu(W_in g + b) + c` with independent weights.
 */
export type ParallelMixerVariant = 'symmetric' | 'symmetryBreaking' | 'free';

/**
 * The gain of the block's layer norm over the `[tokens, channels]` matrix (its shift is always one
 * per entry, `[tokens, channels]`):
 * - `scalar`: one gain for the whole matrix, `norm_gamma [1]`; the layer-norm Lagrangian of the
 *   three-layer network, so the symmetric block has an energy (the paper's model);
 * - `perEntry`: a gain per entry, `norm_gamma [tokens, channels]`, as the authors' code
 *   (`Toshihiro-Ota/paramixer`, `nn.LayerNorm((seq_len, dim))`); `tokens * channels - 1` more
 *   parameters per block, and no energy.
 */
export type ParallelMixerNormGain = 'scalar' | 'perEntry';

/** The layer-norm gain modes, in the order of {@link ParallelMixerNormGain}. */
export const PARALLEL_MIXER_NORM_GAINS = ['scalar', 'perEntry'] as const satisfies readonly ParallelMixerNormGain[];

/** The weight structures, in the order of {@link ParallelMixerVariant}. */
const PARALLEL_MIXER_VARIANTS = ['symmetric', 'symmetryBreaking', 'free'] as const satisfies readonly ParallelMixerVariant[];

const parallelMixerBlockSchema = z.strictObject({
  ...layerArgsShape,
  /** Width of the token-hidden layer (the token MLP's hidden size). */
  tokenHiddenDim: z.number().int().positive(),
  /** Width of the channel-hidden layer (the channel MLP's hidden size). */
  channelHiddenDim: z.number().int().positive(),
  /** Weight structure (see {@link ParallelMixerVariant}); default `symmetric`. */
  variant: z.enum(PARALLEL_MIXER_VARIANTS).default('symmetric'),
  /** Hidden and output biases in both MLPs; default true. */
  useBias: z.boolean().default(true),
  /** How many times the block repeats with tied weights (`nIter`); default 1. */
  iterations: z.number().int().positive().default(1),
  /** Step size `alpha` of `x + alpha (MLP_tok + MLP_ch)`; default 1. */
  stepSize: z.number().positive().finite().default(1),
  /** Layer-norm epsilon; default 1e-5. */
  epsilon: z.number().positive().finite().default(1e-5),
  /** `lambda` of the `symmetryBreaking` penalty `lambda (||W2_tok||^2 + ||W2_ch||^2)`; default 1 (lower it towards 0 during training with {@link ParallelMixerBlock.setSymmetryPenalty}). */
  symmetryPenalty: z.number().nonnegative().finite().default(1),
  /**
   * Gain of the matrix layer norm: `scalar` (default; one gain, the energy's Lagrangian) or
   * `perEntry` (`[tokens, channels]`, as `nn.LayerNorm((tokens, channels))` in the authors' code;
   * no energy). See {@link ParallelMixerNormGain}.
   */
  normGain: z.enum(PARALLEL_MIXER_NORM_GAINS).default('scalar'),
  /** Initialiser of the mixing weights; default `glorotUniform`. */
  kernelInitializer: z.enum(KERNEL_INITIALIZER_NAMES).default('glorotUniform'),
});

/** Options of {@link ParallelMixerBlock} (each documented on the schema), plus the tfjs layer arguments. */
export type ParallelMixerBlockArgs = LayerArgsOf<typeof parallelMixerBlockSchema>;

/** The validated options of a {@link ParallelMixerBlock}, defaults applied. */
export type ParallelMixerBlockConfig = LayerConfigOf<typeof parallelMixerBlockSchema>;

/**
 * The parallel MLP-Mixer block of Karakida, Ota and Taki (2024), derived from a three-layer
 * Hopfield network: `x <- x + alpha (MLP_tok(LN x) + MLP_ch(LN x))`, repeated `iterations` times with
 * the same weights, where `LN` is one layer norm over each sample's whole `[tokens, channels]`
 * matrix (`norm_delta [tokens, channels]`; `norm_gamma` one gain `[1]`, or with
 * `normGain: 'perEntry'` one per entry `[tokens, channels]` as the authors' `nn.LayerNorm((N, C))`).
 * Shapes `[batch, tokens, channels]` in and out. With the `symmetric` variant and the scalar gain
 * each step is a descent step of {@link parallelMixerEnergy} (see {@link ParallelMixerBlock.energy});
 * the `symmetryBreaking` penalty reaches training both as a tfjs layer loss (`model.fit`) and as an
 * `@ait/core` auxiliary loss (`Trainer`). Serialised as `AitHopfieldParallelMixer`.
 */
export class ParallelMixerBlock extends AitLayer {
  /** tfjs serialisation name. */
  static className = 'AitHopfieldParallelMixer';
  private options: ParallelMixerBlockConfig;
  private readonly w: Record<string, LayerVariable | null> = {};
  private tokens = -1;
  private channels = -1;

  constructor(args: ParallelMixerBlockArgs) {
    super(args);
    this.options = this.configureLayer('ParallelMixerBlock', parallelMixerBlockSchema, args);
  }

  /**
   * The validated options (serialised by `getConfig`); `symmetryPenalty` is the current `lambda`
   * (see {@link ParallelMixerBlock.setSymmetryPenalty}).
   */
  get config(): ParallelMixerBlockConfig {
    return this.options;
  }

  /** The weight structure. */
  get variant(): ParallelMixerVariant {
    return this.options.variant;
  }

  /** The layer-norm gain mode. */
  get normGain(): ParallelMixerNormGain {
    return this.options.normGain;
  }

  /** The current `lambda` of the symmetry-breaking penalty. */
  get symmetryPenalty(): number {
    return this.options.symmetryPenalty;
  }

  /** Sets `lambda` (e.g. annealed from 1 to 0 during training). */
  setSymmetryPenalty(lambda: number): void {
    if (!Number.isFinite(lambda) || lambda < 0)
      throw new Error(`${this.layerLabel}: the symmetry penalty must be a finite number >= 0, got ${lambda}.`);
    this.options = this.useConfig({ ...this.options, symmetryPenalty: lambda });
  }

  override build(inputShape: Shape | Shape[]): void {
    const shape = singleShape(this.layerLabel, inputShape);
    assertRank(this.layerLabel, 'x', { shape }, [3], '[batch, tokens, channels]');
    const n = knownDim(this.layerLabel, 'x', shape, 1);
    const c = knownDim(this.layerLabel, 'x', shape, 2);
    this.tokens = n;
    this.channels = c;
    const { tokenHiddenDim: mt, channelHiddenDim: mc, variant, useBias } = this.options;
    const kernel = (): ReturnType<typeof createKernelInitializer> => createKernelInitializer(this.options.kernelInitializer);
    this.w.tokenWeights = this.addWeight('token_weights', [mt, n], 'float32', kernel());
    this.w.channelWeights = this.addWeight('channel_weights', [mc, c], 'float32', kernel());
    if (variant === 'symmetryBreaking') {
      this.w.tokenExtra = this.addWeight('token_extra', [n, mt], 'float32', initializers.zeros());
      this.w.channelExtra = this.addWeight('channel_extra', [c, mc], 'float32', initializers.zeros());
      this.addLoss(() => this.symmetryPenaltyLoss());
    }
    if (variant === 'free') {
      this.w.tokenOut = this.addWeight('token_out', [n, mt], 'float32', kernel());
      this.w.channelOut = this.addWeight('channel_out', [c, mc], 'float32', kernel());
    }
    if (useBias) {
      this.w.tokenHiddenBias = this.addWeight('token_hidden_bias', [mt], 'float32', initializers.zeros());
      this.w.channelHiddenBias = this.addWeight('channel_hidden_bias', [mc], 'float32', initializers.zeros());
      this.w.tokenOutputBias = this.addWeight('token_output_bias', [n], 'float32', initializers.zeros());
      this.w.channelOutputBias = this.addWeight('channel_output_bias', [c], 'float32', initializers.zeros());
    }
    this.w.normGamma = this.addWeight('norm_gamma', this.options.normGain === 'perEntry' ? [n, c] : [1], 'float32', initializers.ones());
    this.w.normDelta = this.addWeight('norm_delta', [n, c], 'float32', initializers.zeros());
    this.built = true;
  }

  override computeOutputShape(inputShape: Shape | Shape[]): Shape {
    return singleShape(this.layerLabel, inputShape);
  }

  private read(name: string): tf.Tensor | null {
    return this.w[name]?.read() ?? null;
  }

  /** The energy parameters of the symmetric part (the layer's variables). */
  params(): ParallelMixerParams {
    if (!this.built) throw new Error(`${this.layerLabel}: the layer is not built yet; call it through apply() first.`);
    return {
      tokenWeights: this.read('tokenWeights') as tf.Tensor,
      channelWeights: this.read('channelWeights') as tf.Tensor,
      tokenHiddenBias: this.read('tokenHiddenBias'),
      channelHiddenBias: this.read('channelHiddenBias'),
      tokenOutputBias: this.read('tokenOutputBias'),
      channelOutputBias: this.read('channelOutputBias'),
      normGamma: this.read('normGamma') as tf.Tensor,
      normDelta: this.read('normDelta'),
    };
  }

  /** `lambda (||W2_tok||^2 + ||W2_ch||^2)` for the `symmetryBreaking` variant, else 0. */
  symmetryPenaltyLoss(): tf.Scalar {
    return tf.tidy(() => {
      const a = this.read('tokenExtra');
      const b = this.read('channelExtra');
      if (!a || !b) return tf.scalar(0);
      return tf.mul(this.options.symmetryPenalty, tf.add(tf.sum(tf.square(a)), tf.sum(tf.square(b)))) as tf.Scalar;
    });
  }

  /** `MLP_tok(g) + MLP_ch(g)` for `g [batch, tokens, channels]`, per the variant. */
  private mix(g: tf.Tensor): tf.Tensor {
    const p = this.params();
    const gt = tf.transpose(g, [0, 2, 1]);
    let hTok = lastAxisMatMul(gt, p.tokenWeights, true);
    if (p.tokenHiddenBias) hTok = tf.add(hTok, p.tokenHiddenBias);
    let hCh = lastAxisMatMul(g, p.channelWeights, true);
    if (p.channelHiddenBias) hCh = tf.add(hCh, p.channelHiddenBias);
    const aTok = gelu(hTok);
    const aCh = gelu(hCh);
    let tokOut: tf.Tensor;
    let chOut: tf.Tensor;
    if (this.options.variant === 'free') {
      tokOut = lastAxisMatMul(aTok, this.read('tokenOut') as tf.Tensor, true);
      chOut = lastAxisMatMul(aCh, this.read('channelOut') as tf.Tensor, true);
    } else {
      tokOut = lastAxisMatMul(aTok, p.tokenWeights);
      chOut = lastAxisMatMul(aCh, p.channelWeights);
      if (this.options.variant === 'symmetryBreaking') {
        tokOut = tf.add(tokOut, lastAxisMatMul(aTok, this.read('tokenExtra') as tf.Tensor, true));
        chOut = tf.add(chOut, lastAxisMatMul(aCh, this.read('channelExtra') as tf.Tensor, true));
      }
    }
    let out = tf.add(tf.transpose(tokOut, [0, 2, 1]), chOut);
    if (p.tokenOutputBias) out = tf.add(out, tf.reshape(p.tokenOutputBias, [this.tokens, 1]));
    if (p.channelOutputBias) out = tf.add(out, p.channelOutputBias);
    return out;
  }

  /** `iterations` parallel Mixer steps; see the class description. */
  override call(inputs: tf.Tensor | tf.Tensor[], kwargs: CallKwargs): tf.Tensor {
    const x = singleTensor(this.layerLabel, inputs);
    assertRank(this.layerLabel, 'x', x, [3], '[batch, tokens, channels]');
    if (x.shape[1] !== this.tokens || x.shape[2] !== this.channels) {
      throw new Error(
        `${this.layerLabel}: the layer was built for [batch, ${this.tokens}, ${this.channels}], got [${x.shape.join(', ')}].`,
      );
    }
    if (this.options.variant === 'symmetryBreaking' && this.isTraining(kwargs) && currentForwardContext()) {
      addAuxLoss(`${this.name}/symmetryPenalty`, this.symmetryPenaltyLoss());
    }
    return tf.tidy(() => {
      let state = x;
      for (let t = 0; t < this.options.iterations; t++) {
        const g = parallelMixerActivation(state, this.params(), { eps: this.options.epsilon });
        state = tf.add(state, tf.mul(this.options.stepSize, this.mix(g)));
      }
      return state;
    });
  }

  /**
   * The three-layer network's energy of `x [batch, tokens, channels]` under the current weights,
   * `[batch]` ({@link parallelMixerEnergy}). Only the `symmetric` variant's update descends it, and
   * only with the scalar layer-norm gain, so other variants and `normGain: 'perEntry'` throw.
   */
  energy(x: tf.Tensor): tf.Tensor {
    if (this.options.variant !== 'symmetric') {
      throw new Error(
        `${this.layerLabel}: only the symmetric variant has an energy that its update descends; this block is '${this.options.variant}'.`,
      );
    }
    if (this.options.normGain !== 'scalar') {
      throw new Error(
        `${this.layerLabel}: a layer norm with a gain per entry (normGain 'perEntry') is not the gradient of any Lagrangian, so ` +
          "the block has no energy; use normGain 'scalar'.",
      );
    }
    if (!this.built) this.build(x.shape);
    return parallelMixerEnergy(x, this.params(), { eps: this.options.epsilon });
  }
}
tf.serialization.registerClass(ParallelMixerBlock);
