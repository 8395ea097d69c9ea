import * as tf from '@tensorflow/tfjs-core';
import { initializers, type LayerVariable, type Shape } from '@tensorflow/tfjs-layers';
import {
  AitLayer,
  assertLastDim,
  assertRank,
  Dense,
  globalRng,
  knownDim,
  layerArgsShape,
  parseLayerConfig,
  singleShape,
  singleTensor,
  z,
  type CallKwargs,
  type LayerArgsOf,
  type LayerConfigOf,
} from '@ait/core';
import { aftConv, aftConvKernel } from './aft-conv-op';

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
export class AftConvAttention extends AitLayer {
  /** tfjs serialisation name. */
  static className = 'AitAftConv';
  /** The validated options (serialised by `getConfig`). */
  readonly config: LayerConfigOf<typeof aftConvSchema>;
  private query: Dense | null = null;
  private key: Dense | null = null;
  private value: Dense | null = null;
  private outputProj: Dense | null = null;
  private raw: LayerVariable | null = null;
  private gain: LayerVariable | null = null;
  private bias: LayerVariable | null = null;
  private grid: [number, number] = [-1, -1];
  private dim = -1;

  constructor(args: AftConvAttentionArgs) {
    const config = parseLayerConfig('AftConvAttention', aftConvSchema, args);
    super(args);
    this.config = this.useConfig(config);
    if (config.kernelSize % 2 === 0) {
      throw new Error(`AftConvAttention '${this.name}': kernelSize must be odd (a centred window), got ${config.kernelSize}.`);
    }
  }

  private get where(): string {
    return `AftConvAttention '${this.name}'`;
  }

  override build(inputShape: Shape | Shape[]): void {
    const shape = singleShape(this.where, inputShape);
    assertRank(this.where, 'x', { shape }, [3], '[batch, tokens, dim]');
    const tokens = knownDim(this.where, 'x', shape, 1);
    this.dim = knownDim(this.where, 'x', shape, -1);
    if (this.config.gridShape) {
      if (this.config.gridShape[0] * this.config.gridShape[1] !== tokens) {
        throw new Error(
          `${this.where}: gridShape ${this.config.gridShape[0]}x${this.config.gridShape[1]} does not hold the ${tokens} tokens.`,
        );
      }
      this.grid = [...this.config.gridShape];
    } else {
      const side = Math.round(Math.sqrt(tokens));
      if (side * side !== tokens) {
        throw new Error(`${this.where}: ${tokens} tokens do not form a square grid; give gridShape [rows, cols].`);
      }
      this.grid = [side, side];
    }
    const hidden = this.config.hiddenDim ?? this.dim;
    if (hidden % this.config.numHeads !== 0) {
      throw new Error(`${this.where}: the width ${hidden} of Q and V is not divisible by numHeads = ${this.config.numHeads}.`);
    }
    const trainable = this.trainable;
    this.query = this.track(new Dense({ units: hidden, name: 'query', trainable }));
    this.key = this.track(new Dense({ units: this.config.numHeads, name: 'key', trainable }));
    this.value = this.track(new Dense({ units: hidden, name: 'value', trainable }));
    this.outputProj = this.track(new Dense({ units: this.dim, name: 'output', trainable }));
    for (const d of [this.query, this.key, this.value]) this.buildChild(d, [null, null, this.dim]);
    this.buildChild(this.outputProj, [null, null, hidden]);
    const s = this.config.kernelSize;
    this.raw = this.addWeight(
      'kernel_raw',
      [this.config.numHeads, s, s],
      'float32',
      initializers.randomNormal({ mean: 0, stddev: 1, seed: globalRng().nextSeed() }),
    );
    this.gain = this.addWeight('kernel_gain', [this.config.numHeads], 'float32', initializers.zeros());
    this.bias = this.addWeight('kernel_bias', [this.config.numHeads], 'float32', initializers.zeros());
    this.built = true;
  }

  override computeOutputShape(inputShape: Shape | Shape[]): Shape {
    return singleShape(this.where, inputShape);
  }

  /** The re-parameterised kernels `w [heads, s, s]` in use now; caller owns the tensor. */
  positionKernels(): tf.Tensor3D {
    if (!this.built) throw new Error(`${this.where}: build the layer first.`);
    return aftConvKernel((this.raw as LayerVariable).read(), (this.gain as LayerVariable).read(), (this.bias as LayerVariable).read());
  }

  /** `x [batch, T, D] -> [batch, T, D]`. */
  override call(inputs: tf.Tensor | tf.Tensor[], kwargs: CallKwargs): tf.Tensor {
    const x = singleTensor(this.where, inputs);
    assertRank(this.where, 'x', x, [3], '[batch, tokens, dim]');
    assertLastDim(this.where, 'x', x, this.dim, `The layer was built for tokens of width ${this.dim}.`);
    const [rows, cols] = this.grid;
    if (x.shape[1] !== rows * cols) {
      throw new Error(`${this.where}: the layer was built for a ${rows}x${cols} token grid but got ${x.shape[1]} tokens.`);
    }
    const kw: CallKwargs = { training: this.isTraining(kwargs) };
    return tf.tidy(() => {
      const q = this.callChild(this.query as Dense, x, kw);
      const k = this.callChild(this.key as Dense, x, kw);
      const v = this.callChild(this.value as Dense, x, kw);
      return this.callChild(this.outputProj as Dense, aftConv(q, k, v, this.positionKernels(), rows, cols), kw);
    });
  }
}
tf.serialization.registerClass(AftConvAttention);
