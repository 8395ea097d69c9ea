import * as tf from '@tensorflow/tfjs-core';
import { initializers, type LayerVariable, type Shape } from '@tensorflow/tfjs-layers';
import {
  assertLastDim,
  assertRank,
  createKernelInitializer,
  knownDim,
  layerArgsShape,
  z,
  type CallKwargs,
  type LayerArgsOf,
} from '@ait/core';
import { VisionLayer } from '../../blocks/vision-layer';
import { multiheadAttentionBlock, type MabResult, type MabWeights } from './multihead-attention-block-op';

/** The options every Set Transformer block has: its output width, heads and whether its MABs use LayerNorms. */
export const setBlockShape = {
  ...layerArgsShape,
  /** Width of the block's output (`dim_V` of the reference); must divide by `numHeads`. */
  units: z.number().int().positive(),
  /** Number of heads. */
  numHeads: z.number().int().positive(),
  /** Whether to apply the two LayerNorms of each MAB (the paper's MAB; the reference's `ln` flag); default true. */
  layerNorm: z.boolean().default(true),
};

const mabSchema = z.strictObject({
  ...setBlockShape,
  /** LayerNorm epsilon; default 1e-5. */
  epsilon: z.number().nonnegative().default(1e-5),
});

/** Options of {@link MultiheadAttentionBlock} (each documented on the schema). */
export type MultiheadAttentionBlockArgs = LayerArgsOf<typeof mabSchema>;

/**
 * The Set Transformer's MAB as a layer ({@link multiheadAttentionBlock}): `[x [batch, n, dimQ],
 * y [batch, m, dimK]] -> [batch, n, units]`, or with one input `x` the set attention block
 * `SAB(x) = MAB(x, x)`. Weights: `query|key|value|output/kernel|bias`, and with `layerNorm`
 * `norm0|norm1/gamma|beta`. Serialised as `AitMultiheadAttentionBlock`.
 */
export class MultiheadAttentionBlock extends VisionLayer<typeof mabSchema> {
  /** tfjs serialisation name. */
  static className = 'AitMultiheadAttentionBlock';
  private vars: Record<string, LayerVariable> = {};
  private dimQ = -1;
  private dimK = -1;

  constructor(args: MultiheadAttentionBlockArgs) {
    super('MultiheadAttentionBlock', mabSchema, args);
    const { units, numHeads } = this.config;
    if (units % numHeads !== 0) throw new Error(`${this.where}: units ${units} must be divisible by numHeads ${numHeads}.`);
  }

  private shapes(inputShape: Shape | Shape[]): [Shape, Shape] {
    const list = inputShape.length > 0 && Array.isArray(inputShape[0]) ? (inputShape as Shape[]) : [inputShape as Shape];
    if (list.length < 1 || list.length > 2) {
      throw new Error(`${this.where}: expects x (self-attention) or [x, y], got ${list.length} inputs.`);
    }
    return [list[0] as Shape, (list[1] ?? list[0]) as Shape];
  }

  private addLinear(name: string, inDim: number, units: number): [LayerVariable, LayerVariable] {
    return [
      this.addWeight(`${name}/kernel`, [inDim, units], 'float32', createKernelInitializer('glorotUniform')),
      this.addWeight(`${name}/bias`, [units], 'float32', initializers.zeros()),
    ];
  }

  override build(inputShape: Shape | Shape[]): void {
    const [xs, ys] = this.shapes(inputShape);
    assertRank(this.where, 'x', { shape: xs }, [3], '[batch, n, dimQ]');
    assertRank(this.where, 'y', { shape: ys }, [3], '[batch, m, dimK]');
    this.dimQ = knownDim(this.where, 'x', xs, -1);
    this.dimK = knownDim(this.where, 'y', ys, -1);
    const u = this.config.units;
    const [qk, qb] = this.addLinear('query', this.dimQ, u);
    const [kk, kb] = this.addLinear('key', this.dimK, u);
    const [vk, vb] = this.addLinear('value', this.dimK, u);
    const [ok, ob] = this.addLinear('output', u, u);
    this.vars = { qk, qb, kk, kb, vk, vb, ok, ob };
    if (this.config.layerNorm) {
      for (const n of ['norm0', 'norm1']) {
        this.vars[`${n}g`] = this.addWeight(`${n}/gamma`, [u], 'float32', initializers.ones());
        this.vars[`${n}b`] = this.addWeight(`${n}/beta`, [u], 'float32', initializers.zeros());
      }
    }
    this.built = true;
  }

  override computeOutputShape(inputShape: Shape | Shape[]): Shape {
    const [xs] = this.shapes(inputShape);
    return [xs[0] ?? null, xs[1] ?? null, this.config.units];
  }

  /** The block's current weights, in the form {@link multiheadAttentionBlock} takes. */
  blockWeights(): MabWeights {
    const r = (k: string): tf.Tensor => (this.vars[k] as LayerVariable).read();
    const norm = (n: string): { gamma: tf.Tensor; beta: tf.Tensor } | null =>
      this.config.layerNorm ? { gamma: r(`${n}g`), beta: r(`${n}b`) } : null;
    return {
      query: { kernel: r('qk'), bias: r('qb') },
      key: { kernel: r('kk'), bias: r('kb') },
      value: { kernel: r('vk'), bias: r('vb') },
      output: { kernel: r('ok'), bias: r('ob') },
      norm0: norm('norm0'),
      norm1: norm('norm1'),
    };
  }

  /** `MAB(x, y)`: output `[batch, n, units]` and attention `[batch, heads, n, m]` (caller owns both). */
  attend(x: tf.Tensor, y: tf.Tensor): MabResult {
    if (!this.built) throw new Error(`${this.where}: call the layer through apply() (or build it) first.`);
    assertLastDim(this.where, 'x', x, this.dimQ, `The block was built for x [batch, n, ${this.dimQ}].`);
    assertLastDim(this.where, 'y', y, this.dimK, `The block was built for y [batch, m, ${this.dimK}].`);
    return multiheadAttentionBlock(x, y, this.blockWeights(), { numHeads: this.config.numHeads, epsilon: this.config.epsilon });
  }

  /** `x` (SAB) or `[x, y]` (MAB) -> `[batch, n, units]`. Keeps the attention for {@link lastAttentionWeights}. */
  override call(inputs: tf.Tensor | tf.Tensor[], _kwargs: CallKwargs): tf.Tensor {
    const list = Array.isArray(inputs) ? inputs : [inputs];
    if (list.length < 1 || list.length > 2) {
      throw new Error(`${this.where}: expects x (self-attention) or [x, y], got ${list.length} inputs.`);
    }
    const x = list[0] as tf.Tensor;
    const { output, attention } = this.attend(x, (list[1] ?? x) as tf.Tensor);
    this.keepCopy('attention', attention);
    attention.dispose();
    return output;
  }

  /** Attention weights `[batch, heads, n, m]` of the last `call` (owned by the layer; valid until the next call). */
  get lastAttentionWeights(): tf.Tensor4D | null {
    return this.keptCopy('attention');
  }
}
tf.serialization.registerClass(MultiheadAttentionBlock);
