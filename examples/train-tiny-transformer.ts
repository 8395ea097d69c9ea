/**
 * The project's main job until the CLI exists: build a small vision transformer from `@ait/core`
 * blocks, train it on generated images of oriented bars, and print its loss as it falls.
 *
 * Run it with `pnpm demo` from the repository root. Options (environment variables):
 * `AIT_BACKEND` (auto | wasm | cpu | tensorflow | tensorflow-gpu, default auto), `AIT_EPOCHS` (default 6),
 * `AIT_SEED` (default 0).
 */
import { pathToFileURL } from 'node:url';
import * as tf from '@tensorflow/tfjs-core';
import { serialization } from '@tensorflow/tfjs-core';
import type { Shape } from '@tensorflow/tfjs-layers';
import {
  AdamW,
  AitLayer,
  type AitLayerArgs,
  type CallKwargs,
  Dense,
  FeedForward,
  LayerNorm,
  LearnedPositionEmbedding,
  MultiHeadAttention,
  PatchEmbedding,
  SeededRandom,
  Trainer,
  type BackendChoice,
  type EpochLogs,
  cosineSchedule,
  countParameters,
  initBackend,
  setGlobalSeed,
  tensorBatchSource,
} from '@ait/core';

const IMAGE = 16;
const PATCH = 4;
const CLASSES = ['horizontal', 'vertical', 'diagonal', 'anti-diagonal'] as const;

/**
 * Generates `count` grayscale images `[count, 16, 16, 1]` with one bar each (class = its orientation),
 * at a random offset, plus Gaussian noise; labels `[count]` (int32).
 */
function orientedBars(count: number, rng: SeededRandom): { x: tf.Tensor4D; y: tf.Tensor1D } {
  const pixels = new Float32Array(count * IMAGE * IMAGE);
  const labels = new Int32Array(count);
  for (let n = 0; n < count; n++) {
    const label = rng.nextInt(CLASSES.length);
    labels[n] = label;
    const offset = rng.nextInt(IMAGE - 4) + 2;
    const base = n * IMAGE * IMAGE;
    for (let i = 0; i < IMAGE; i++) {
      for (let j = 0; j < IMAGE; j++) pixels[base + i * IMAGE + j] = 0.35 * rng.normal();
    }
    for (let t = 0; t < IMAGE; t++) {
      let row: number;
      let col: number;
      if (label === 0) [row, col] = [offset, t];
      else if (label === 1) [row, col] = [t, offset];
      else if (label === 2) [row, col] = [t, (t + offset) % IMAGE];
      else [row, col] = [t, (IMAGE - 1 - t + offset) % IMAGE];
      pixels[base + row * IMAGE + col] = (pixels[base + row * IMAGE + col] ?? 0) + 1.5;
    }
  }
  return { x: tf.tensor4d(pixels, [count, IMAGE, IMAGE, 1]), y: tf.tensor1d(labels, 'int32') };
}

interface TinyTransformerArgs extends AitLayerArgs {
  dim: number;
  depth: number;
  heads: number;
  classes: number;
}

/**
 * A pre-norm vision transformer: patch embedding -> learned positions -> `depth` blocks of
 * `x + MHA(LN(x))`, `x + FFN(LN(x))` -> LN -> mean over tokens -> linear head.
 * Input `[batch, 16, 16, 1]`, output logits `[batch, classes]`.
 */
class TinyTransformer extends AitLayer {
  static readonly className = 'TinyTransformer';
  private readonly config: TinyTransformerArgs;
  private readonly embed: PatchEmbedding;
  private readonly positions: LearnedPositionEmbedding;
  private readonly blocks: { norm1: LayerNorm; attention: MultiHeadAttention; norm2: LayerNorm; mlp: FeedForward }[];
  private readonly finalNorm: LayerNorm;
  private readonly head: Dense;

  constructor(args: TinyTransformerArgs) {
    super(args);
    this.config = args;
    const { dim, depth, heads, classes } = args;
    this.embed = this.track(new PatchEmbedding({ patchSize: PATCH, embedDim: dim, name: 'patch_embed' }));
    this.positions = this.track(new LearnedPositionEmbedding({ maxTokens: (IMAGE / PATCH) ** 2, name: 'positions' }));
    this.blocks = Array.from({ length: depth }, (_, i) => ({
      norm1: this.track(new LayerNorm({ name: `block${i}_norm1` })),
      attention: this.track(new MultiHeadAttention({ numHeads: heads, name: `block${i}_attention` })),
      norm2: this.track(new LayerNorm({ name: `block${i}_norm2` })),
      mlp: this.track(new FeedForward({ hiddenDim: 2 * dim, dropout: 0.1, name: `block${i}_mlp` })),
    }));
    this.finalNorm = this.track(new LayerNorm({ name: 'final_norm' }));
    this.head = this.track(new Dense({ units: classes, name: 'head' }));
  }

  override build(inputShape: Shape | Shape[]): void {
    const [batch, height, width] = inputShape as Shape;
    const tokens: Shape = [batch ?? null, ((height ?? IMAGE) / PATCH) * ((width ?? IMAGE) / PATCH), this.config.dim];
    this.buildChild(this.embed, inputShape);
    this.buildChild(this.positions, tokens);
    for (const b of this.blocks) {
      this.buildChild(b.norm1, tokens);
      this.buildChild(b.attention, tokens);
      this.buildChild(b.norm2, tokens);
      this.buildChild(b.mlp, tokens);
    }
    this.buildChild(this.finalNorm, tokens);
    this.buildChild(this.head, [batch ?? null, this.config.dim]);
  }

  override computeOutputShape(inputShape: Shape | Shape[]): Shape {
    return [(inputShape as Shape)[0] ?? null, this.config.classes];
  }

  override call(inputs: tf.Tensor | tf.Tensor[], kwargs: CallKwargs): tf.Tensor {
    return tf.tidy(() => {
      const images = Array.isArray(inputs) ? (inputs[0] as tf.Tensor) : inputs;
      let x = this.callChild(this.positions, this.callChild(this.embed, images, kwargs), kwargs);
      for (const b of this.blocks) {
        x = tf.add(x, this.callChild(b.attention, this.callChild(b.norm1, x, kwargs), kwargs));
        x = tf.add(x, this.callChild(b.mlp, this.callChild(b.norm2, x, kwargs), kwargs));
      }
      const pooled = tf.mean(this.callChild(this.finalNorm, x, kwargs), 1);
      return this.callChild(this.head, pooled, kwargs);
    });
  }

  override getConfig(): serialization.ConfigDict {
    const { dim, depth, heads, classes } = this.config;
    return { ...super.getConfig(), dim, depth, heads, classes };
  }
}
serialization.registerClass(TinyTransformer);

/** Options of {@link runDemo}. */
export interface DemoOptions {
  backend?: BackendChoice;
  epochs?: number;
  seed?: number;
  /** Where progress lines go; default `console.log`. */
  log?: (line: string) => void;
}

/** Trains the tiny transformer and returns the per-epoch logs (train loss, test loss and accuracy). */
export async function runDemo(options: DemoOptions = {}): Promise<EpochLogs[]> {
  const { backend = 'auto', epochs = 6, seed = 0, log = console.log } = options;
  if (!Number.isInteger(epochs) || epochs < 1) throw new Error(`demo: epochs must be a positive integer, got ${epochs}.`);
  const info = await initBackend({ backend });
  log(`AiT.js demo: a tiny vision transformer from @ait/core blocks on generated oriented bars`);
  log(info.summary);

  setGlobalSeed(seed);
  const dataRng = new SeededRandom(`data:${seed}`);
  const train = orientedBars(1024, dataRng);
  const test = orientedBars(256, dataRng);

  const model = new TinyTransformer({ dim: 32, depth: 2, heads: 2, classes: CLASSES.length, name: 'tiny_transformer' });
  model.apply(tf.zeros([1, IMAGE, IMAGE, 1]));
  const counts = countParameters(model);
  log(`model: ${counts.trainable.toLocaleString('en')} trainable parameters, ${counts.nonTrainable} non-trainable`);

  const batchSize = 64;
  const stepsPerEpoch = Math.floor(1024 / batchSize);
  const trainer = new Trainer({
    model,
    optimizer: new AdamW({ learningRate: 3e-3, weightDecay: 0.01 }),
    schedule: cosineSchedule({
      peak: 3e-3,
      totalSteps: epochs * stepsPerEpoch,
      warmupSteps: stepsPerEpoch,
      warmupStart: 3e-4,
      floor: 1e-4,
    }),
    clipNorm: 1,
    seed,
    callbacks: [
      {
        onStepEnd: (m) => {
          if (m.step % 4 === 0)
            log(`  step ${String(m.step).padStart(3)}  loss ${m.loss.toFixed(4)}  lr ${m.learningRate.toExponential(2)}`);
        },
        onEpochEnd: (epoch, logs) => {
          const acc = logs.eval?.accuracy;
          log(
            `epoch ${epoch + 1}/${epochs}: train loss ${logs.loss.toFixed(4)}` +
              (logs.eval ? `, test loss ${logs.eval.loss.toFixed(4)}, test accuracy ${((acc ?? 0) * 100).toFixed(1)}%` : ''),
          );
        },
      },
    ],
  });
  const started = performance.now();
  const result = await trainer.fit(tensorBatchSource(train.x, train.y, { batchSize, shuffle: true, dropRemainder: true }), {
    epochs,
    evalSource: tensorBatchSource(test.x, test.y, { batchSize: 128, shuffle: false }),
  });
  const seconds = (performance.now() - started) / 1000;
  const first = result.history[0];
  const last = result.history[result.history.length - 1];
  log(
    `done in ${seconds.toFixed(1)} s: train loss ${first?.loss.toFixed(4)} -> ${last?.loss.toFixed(4)}` +
      `, test accuracy ${(((last?.eval?.accuracy ?? 0) as number) * 100).toFixed(1)}% (chance ${(100 / CLASSES.length).toFixed(0)}%)`,
  );
  tf.dispose([train.x, train.y, test.x, test.y]);
  model.dispose();
  return result.history;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  runDemo({
    backend: (process.env.AIT_BACKEND ?? 'auto') as BackendChoice,
    epochs: Number(process.env.AIT_EPOCHS ?? 6),
    seed: Number(process.env.AIT_SEED ?? 0),
  }).catch((err: unknown) => {
    console.error(err instanceof Error ? err.message : err);
    process.exit(1);
  });
}
