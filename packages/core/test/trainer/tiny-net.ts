// Small models for the trainer and checkpoint tests (not a test file itself).
import * as tf from '@tensorflow/tfjs-core';
import { initializers, type LayerVariable } from '@tensorflow/tfjs-layers';
import {
  AdamW,
  addAuxLoss,
  AitLayer,
  crossEntropy,
  globalRng,
  parameterRefs,
  scheduleStateUpdate,
  setGlobalSeed,
  trainStep,
  type CallKwargs,
} from '../../src/index';

/** Options of {@link TinyNet}. */
export interface TinyNetOptions {
  inputs: number;
  hidden: number;
  classes: number;
  /** Dropout on the hidden layer during training (seeded from globalRng()). */
  dropout?: number;
  /** Weight of the auxiliary loss `auxCoef * sum(aux^2)`; 0 disables it. */
  auxCoef?: number;
  /** Adds an extra trainable weight (to test name mismatches). */
  extraWeight?: boolean;
  name?: string;
}

/**
 * logits = (dropout(relu(x W1 + b1)) + 0.1 * ema) W2 + b2, with
 * - a trainable `aux` [3] that only an auxiliary loss reaches,
 * - non-trainable state: `ema` [hidden] (EMA of the batch-mean hidden activation) and `calls` [1]
 *   (number of forward passes), both updated through scheduleStateUpdate.
 */
export class TinyNet extends AitLayer {
  static readonly className = 'TinyNet';
  private readonly opts: Required<Omit<TinyNetOptions, 'name'>>;
  w1!: LayerVariable;
  b1!: LayerVariable;
  w2!: LayerVariable;
  b2!: LayerVariable;
  aux!: LayerVariable;
  ema!: LayerVariable;
  calls!: LayerVariable;

  constructor(options: TinyNetOptions) {
    super({ name: options.name ?? 'tiny' });
    this.opts = { dropout: 0, auxCoef: 0, extraWeight: false, ...options };
  }

  override build(): void {
    const { inputs, hidden, classes } = this.opts;
    const init = () => initializers.glorotUniform({ seed: globalRng().nextSeed() });
    const normal = () => initializers.randomNormal({ mean: 0, stddev: 0.5, seed: globalRng().nextSeed() });
    this.w1 = this.addWeight('w1', [inputs, hidden], 'float32', init());
    this.b1 = this.addWeight('b1', [hidden], 'float32', normal());
    this.w2 = this.addWeight('w2', [hidden, classes], 'float32', init());
    this.b2 = this.addWeight('b2', [classes], 'float32', initializers.zeros());
    this.aux = this.addWeight('aux', [3], 'float32', normal());
    if (this.opts.extraWeight) this.addWeight('extra', [2], 'float32', initializers.zeros());
    this.ema = this.addWeight('ema', [hidden], 'float32', initializers.zeros(), undefined, false);
    this.calls = this.addWeight('calls', [1], 'float32', initializers.zeros(), undefined, false);
    this.built = true;
  }

  override computeOutputShape(inputShape: (number | null)[]): (number | null)[] {
    return [inputShape[0] ?? null, this.opts.classes];
  }

  override call(inputs: tf.Tensor | tf.Tensor[], kwargs: CallKwargs): tf.Tensor {
    if (this.opts.auxCoef > 0) {
      // Reported outside the tidy below: addAuxLoss does not keep the tensor, the caller's scope owns it.
      const auxLoss = tf.tidy(() => tf.mul(tf.sum(tf.square(this.aux.read())), this.opts.auxCoef) as tf.Scalar);
      addAuxLoss('tiny/aux', auxLoss);
    }
    return tf.tidy(() => {
      const x = Array.isArray(inputs) ? (inputs[0] as tf.Tensor) : inputs;
      const training = this.isTraining(kwargs);
      let h = tf.relu(tf.add(tf.matMul(x as tf.Tensor2D, this.w1.read() as tf.Tensor2D), this.b1.read()));
      if (training && this.opts.dropout > 0) h = tf.dropout(h, this.opts.dropout, undefined, globalRng().nextSeed());
      const ema = this.ema.read();
      const mixed = tf.add(h, tf.mul(ema, 0.1)) as tf.Tensor2D;
      const logits = tf.add(tf.matMul(mixed, this.w2.read() as tf.Tensor2D), this.b2.read());
      scheduleStateUpdate(this.ema.read() as tf.Variable, tf.add(tf.mul(ema, 0.9), tf.mul(tf.mean(h, 0), 0.1)));
      scheduleStateUpdate(this.calls.read() as tf.Variable, tf.add(this.calls.read(), 1));
      return logits;
    });
  }
}

/** Builds a TinyNet by one inference pass (outside any training context). */
export function buildTinyNet(options: TinyNetOptions): TinyNet {
  const net = new TinyNet(options);
  tf.tidy(() => {
    net.apply(tf.zeros([1, options.inputs]));
  });
  // The build pass scheduled state updates outside a context, i.e. applied them: reset the state.
  (net.ema.read() as tf.Variable).assign(tf.zerosLike(net.ema.read()));
  (net.calls.read() as tf.Variable).assign(tf.zerosLike(net.calls.read()));
  return net;
}

/** Copies of every weight value of a layer, by name (for bit-exact comparisons). */
export function weightValues(layer: { weights: LayerVariable[] }): Record<string, number[]> {
  const out: Record<string, number[]> = {};
  for (const w of layer.weights) out[w.originalName] = Array.from(w.read().dataSync());
  return out;
}

/**
 * A deterministic classification data set: `n` points in `[-1, 1]^inputs` (from a SeededRandom
 * stream seeded with `seed`), label = argmax of a fixed linear map (linearly separable).
 */
export function toyData(n: number, inputs: number, classes: number, seed: number): { x: number[][]; y: number[] } {
  let s = seed >>> 0;
  const next = (): number => {
    // xorshift32, independent of the library's streams
    s ^= s << 13;
    s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5;
    s >>>= 0;
    return s / 0x100000000;
  };
  const dirs = Array.from({ length: classes }, (_, c) => Array.from({ length: inputs }, (_, i) => Math.cos(1.7 * c + 0.9 * i)));
  const x: number[][] = [];
  const y: number[] = [];
  for (let k = 0; k < n; k++) {
    const p = Array.from({ length: inputs }, () => 2 * next() - 1);
    const scores = dirs.map((d) => d.reduce((a, v, i) => a + v * (p[i] as number), 0));
    x.push(p);
    y.push(scores.indexOf(Math.max(...scores)));
  }
  return { x, y };
}

/** A TinyNet (`options`) and its AdamW after `steps` training steps on toy data of seed `seed + 1`. */
export async function trainedTinyNet(options: TinyNetOptions, seed: number, steps: number): Promise<{ net: TinyNet; opt: AdamW }> {
  setGlobalSeed(seed);
  const net = buildTinyNet(options);
  const opt = new AdamW({ learningRate: 0.01, weightDecay: 0.1 });
  const data = toyData(8, options.inputs, options.classes, seed + 1);
  const params = parameterRefs(net);
  for (let s = 0; s < steps; s++) {
    const batch = { x: tf.tensor2d(data.x), y: tf.tensor1d(data.y, 'int32') };
    await trainStep({ model: net, params, optimizer: opt, batch, loss: (o, y) => crossEntropy(o, y), epoch: 0, step: s, stepInEpoch: s });
    tf.dispose([batch.x, batch.y]);
  }
  return { net, opt };
}
