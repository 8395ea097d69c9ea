import * as tf from '@tensorflow/tfjs-core';
import { initializers, type LayerVariable, type Shape } from '@tensorflow/tfjs-layers';
import { globalRng, knownDim, layerArgsShape, z, type CallKwargs, type LayerArgsOf } from '@ait/core';
import { aftConv, aftConvKernel } from './aft-conv-op';
import { AftTokenMixer } from './aft-token-mixer';

const aftConvSchema = z.strictObject({
  ...layerArgsShape,
  /** Heads: each has one key channel and its own `kernelSize x kernelSize` position kernel. */
  numHeads: z.number().int().positive(),
  /** Odd side s of the kernels. */
  kernelSize: z.number().int().positive(),
  /** Width of Q and V; default the input width (must divide by `numHeads`). */
  hiddenDim: z.number().int().positive().nullish(),
  /** Token grid `[rows, cols]`; default a square grid (the number of tokens must be a square). */
  gridShape: z.tuple([z.number().int().positive(), z.number().int().positive()]).nullish(),
});

/** Options of {@link AftConvAttention} (each documented on the schema). */
export type AftConvAttentionArgs = LayerArgsOf<typeof aftConvSchema>;

/**
 * The AFT-conv token mixer as a layer ({@link aftConv}): `x [batch, T, D] -> [batch, T, D]` with
 * `Q, V = x Wq, x Wv` (`D -> d`), one key channel per head `K = x Wk` (`D -> heads`), per-head
 * kernels re-parameterised as {@link aftConvKernel} (gain and bias start at 0, so the layer starts
 * as AFT-simple), and an output projection `d -> D`. Children `query`, `key`, `value`, `output`;
 * own weights `kernel_raw [heads, s, s]`, `kernel_gain [heads]`, `kernel_bias [heads]`.
 * Serialised as `AitAftConv`.
 */
export class AftConvAttention extends AftTokenMixer<typeof aftConvSchema> {
  /** tfjs serialisation name. */
  static className = 'AitAftConv';
  private raw: LayerVariable | null = null;
  private gain: LayerVariable | null = null;
  private bias: LayerVariable | null = null;
  private grid: [number, number] = [-1, -1];

  constructor(args: AftConvAttentionArgs) {
    super('AftConvAttention', aftConvSchema, args);
    if (this.config.kernelSize % 2 === 0) {
      throw new Error(`${this.where}: kernelSize must be odd (a centred window), got ${this.config.kernelSize}.`);
    }
  }

  override build(inputShape: Shape | Shape[]): void {
    const shape = this.inputShapeOf(inputShape);
    const tokens = knownDim(this.where, 'x', shape, 1);
    const { gridShape, numHeads, kernelSize } = this.config;
    if (gridShape) {
      if (gridShape[0] * gridShape[1] !== tokens) {
        throw new Error(`${this.where}: gridShape ${gridShape[0]}x${gridShape[1]} does not hold the ${tokens} tokens.`);
      }
      this.grid = [...gridShape];
    } else {
      const side = Math.round(Math.sqrt(tokens));
      if (side * side !== tokens) {
        throw new Error(`${this.where}: ${tokens} tokens do not form a square grid; give gridShape [rows, cols].`);
      }
      this.grid = [side, side];
    }
    const hidden = this.config.hiddenDim ?? this.dim;
    if (hidden % numHeads !== 0) {
      throw new Error(`${this.where}: the width ${hidden} of Q and V is not divisible by numHeads = ${numHeads}.`);
    }
    this.buildProjections(hidden, numHeads);
    const normal = initializers.randomNormal({ mean: 0, stddev: 1, seed: globalRng().nextSeed() });
    this.raw = this.addWeight('kernel_raw', [numHeads, kernelSize, kernelSize], 'float32', normal);
    this.gain = this.addWeight('kernel_gain', [numHeads], 'float32', initializers.zeros());
    this.bias = this.addWeight('kernel_bias', [numHeads], 'float32', initializers.zeros());
    this.built = true;
  }

  /** The re-parameterised kernels `w [heads, s, s]` in use now; caller owns the tensor. */
  positionKernels(): tf.Tensor3D {
    if (!this.built) throw new Error(`${this.where}: build the layer first.`);
    return aftConvKernel((this.raw as LayerVariable).read(), (this.gain as LayerVariable).read(), (this.bias as LayerVariable).read());
  }

  /** `x [batch, T, D] -> [batch, T, D]`. */
  override call(inputs: tf.Tensor | tf.Tensor[], kwargs: CallKwargs): tf.Tensor {
    const x = this.inputOf(inputs);
    const [rows, cols] = this.grid;
    if (x.shape[1] !== rows * cols) {
      throw new Error(`${this.where}: the layer was built for a ${rows}x${cols} token grid but got ${x.shape[1]} tokens.`);
    }
    return tf.tidy(() => this.mixTokens(x, kwargs, (q, k, v) => aftConv(q, k, v, this.positionKernels(), rows, cols)));
  }
}
tf.serialization.registerClass(AftConvAttention);
