import * as tf from '@tensorflow/tfjs-core';
import { SeededRandom } from '../random/seeded-random';
import { AdamW } from '../training/adamw';
import { fusedLayerNorm, plainLayerNorm } from '../kernels/fused/fused-layer-norm';
import { fusedGelu, plainGelu } from '../kernels/fused/gelu';
import { fusedScaledDotProductAttention, plainScaledDotProductAttention } from '../kernels/fused/fused-attention';
import { plainSoftmaxCrossEntropy, softmaxCrossEntropy } from '../kernels/fused/softmax-cross-entropy';
import { mergeHeads, splitPackedHeads } from '../ops/split-heads';

/** Shape of the benchmark's reference ViT (the same as bench/reference_vit.py). */
export interface ReferenceVitShape {
  batch: number;
  tokens: number;
  dim: number;
  heads: number;
  mlpRatio: number;
  depth: number;
  classes: number;
}

/** The reference: 2 blocks, width 128, 4 heads, MLP 4x, batch 64 x 64 tokens, 10 classes. */
export const REFERENCE_VIT: ReferenceVitShape = { batch: 64, tokens: 64, dim: 128, heads: 4, mlpRatio: 4, depth: 2, classes: 10 };

/**
 * `plain`: every op as a user would write it, gradients by automatic differentiation.
 * `fused`: the cheaper forms from src/kernels (layer norm, GELU, attention, cross-entropy with
 * closed-form gradients, Dense as fused matMul + bias, the packed projection split into heads by
 * one transpose), trained with `@ait/core`'s `AdamW`.
 */
export type ReferenceVitVariant = 'plain' | 'fused';

interface Linear {
  w: tf.Variable;
  b: tf.Variable;
}

interface Norm {
  g: tf.Variable;
  b: tf.Variable;
}

interface Block {
  ln1: Norm;
  qkv: Linear;
  proj: Linear;
  ln2: Norm;
  fc1: Linear;
  fc2: Linear;
}

/**
 * A patch-free pre-norm ViT: tokens `[batch, tokens, dim]` -> `depth` blocks of
 * `x + MHA(LN(x))`, `x + MLP(LN(x))` (GELU, exact erf form) -> LN -> mean over tokens -> Linear
 * to `classes`. Weights as PyTorch initialises `nn.Linear` (uniform +-1/sqrt(fan_in)).
 */
export class ReferenceVit {
  readonly blocks: Block[] = [];
  readonly norm: Norm;
  readonly head: Linear;

  constructor(
    readonly shape: ReferenceVitShape,
    seed = 0,
  ) {
    const rng = new SeededRandom(seed);
    const linear = (fanIn: number, fanOut: number): Linear => {
      const bound = 1 / Math.sqrt(fanIn);
      return {
        w: tf.variable(tf.randomUniform([fanIn, fanOut], -bound, bound, 'float32', rng.nextSeed())),
        b: tf.variable(tf.randomUniform([fanOut], -bound, bound, 'float32', rng.nextSeed())),
      };
    };
    const norm = (d: number): Norm => ({ g: tf.variable(tf.ones([d])), b: tf.variable(tf.zeros([d])) });
    const d = shape.dim;
    for (let i = 0; i < shape.depth; i++) {
      this.blocks.push({
        ln1: norm(d),
        qkv: linear(d, 3 * d),
        proj: linear(d, d),
        ln2: norm(d),
        fc1: linear(d, shape.mlpRatio * d),
        fc2: linear(shape.mlpRatio * d, d),
      });
    }
    this.norm = norm(d);
    this.head = linear(d, shape.classes);
  }

  /** Every trainable variable. */
  variables(): tf.Variable[] {
    const out: tf.Variable[] = [];
    for (const b of this.blocks) {
      for (const p of [b.ln1, b.qkv, b.proj, b.ln2, b.fc1, b.fc2]) out.push('w' in p ? p.w : p.g, p.b);
    }
    out.push(this.norm.g, this.norm.b, this.head.w, this.head.b);
    return out;
  }

  /** Number of trainable parameters. */
  parameterCount(): number {
    return this.variables().reduce((s, v) => s + v.size, 0);
  }

  /** Logits `[batch, classes]` for tokens `[batch, tokens, dim]`. */
  forward(x: tf.Tensor, variant: ReferenceVitVariant): tf.Tensor {
    const { batch, tokens, dim, heads } = this.shape;
    const dh = dim / heads;
    const fused = variant === 'fused';
    const ln = (t: tf.Tensor, n: Norm) => (fused ? fusedLayerNorm(t, n.g, n.b) : plainLayerNorm(t, n.g, n.b));
    const dense = (t: tf.Tensor, l: Linear) =>
      fused ? tf.fused.matMul({ a: t as tf.Tensor2D, b: l.w as tf.Tensor2D, bias: l.b }) : tf.add(tf.matMul(t, l.w), l.b);
    let h = tf.reshape(x, [batch * tokens, dim]);
    for (const blk of this.blocks) {
      const qkv = dense(ln(h, blk.ln1), blk.qkv);
      let merged: tf.Tensor;
      if (fused) {
        // one transpose of the packed projection into heads (the library's MultiHeadAttention)
        const [q, k, v] = splitPackedHeads(tf.reshape(qkv, [batch, tokens, 3 * dim]), 3, heads) as [tf.Tensor, tf.Tensor, tf.Tensor];
        merged = tf.reshape(mergeHeads(fusedScaledDotProductAttention(q, k, v)), [batch * tokens, dim]);
      } else {
        const [q, k, v] = tf.split(qkv, 3, 1).map((t) => tf.transpose(tf.reshape(t, [batch, tokens, heads, dh]), [0, 2, 1, 3])) as [
          tf.Tensor,
          tf.Tensor,
          tf.Tensor,
        ];
        merged = tf.reshape(tf.transpose(plainScaledDotProductAttention(q, k, v), [0, 2, 1, 3]), [batch * tokens, dim]);
      }
      h = tf.add(h, dense(merged, blk.proj));
      const hidden = dense(ln(h, blk.ln2), blk.fc1);
      h = tf.add(h, dense(fused ? fusedGelu(hidden) : plainGelu(hidden), blk.fc2));
    }
    const pooled = tf.mean(tf.reshape(ln(h, this.norm), [batch, tokens, dim]), 1);
    return dense(pooled, this.head);
  }

  /** Mean cross-entropy of the logits against int32 labels `[batch]`. */
  loss(x: tf.Tensor, labels: tf.Tensor1D, variant: ReferenceVitVariant): tf.Scalar {
    const logits = this.forward(x, variant);
    if (variant === 'fused') return softmaxCrossEntropy(logits, labels);
    return plainSoftmaxCrossEntropy(logits, tf.oneHot(labels, this.shape.classes));
  }

  /** Frees the variables. */
  dispose(): void {
    tf.dispose(this.variables());
  }
}

/**
 * One training step (forward, backward, Adam update); resolves to the loss before the update
 * (read back asynchronously, so that it runs on GPU backends too). With tfjs' `tf.train.adam` (the
 * plain variant) or `@ait/core`'s `AdamW` without weight decay (the same update as Adam; in place
 * on wasm and cpu).
 */
export async function referenceVitTrainStep(
  model: ReferenceVit,
  optimizer: tf.Optimizer | AdamW,
  x: tf.Tensor,
  labels: tf.Tensor1D,
  variant: ReferenceVitVariant,
): Promise<number> {
  if (optimizer instanceof AdamW) {
    const vars = model.variables();
    const { value, grads } = tf.variableGrads(() => model.loss(x, labels, variant), vars);
    optimizer.applyGradients(
      vars.map((v) => ({ name: v.name, variable: v })),
      vars.map((v) => grads[v.name] as tf.Tensor),
    );
    tf.dispose(grads);
    try {
      return (await value.data())[0] as number;
    } finally {
      value.dispose();
    }
  }
  const loss = optimizer.minimize(() => model.loss(x, labels, variant), true, model.variables()) as tf.Scalar;
  try {
    return (await loss.data())[0] as number;
  } finally {
    loss.dispose();
  }
}
