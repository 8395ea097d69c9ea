import * as tf from '@tensorflow/tfjs-core';
import { layers, sequential, type Sequential } from '@tensorflow/tfjs-layers';
import { AdamW, Trainer, crossEntropy, evaluateModel, initBackend } from '@ait/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { datasetBatchSource, openTriangleSet, sortOfClevrDataset, writeTriangleSet } from '../src/index';
import { tempDirs } from './helpers/temp-dir';

beforeAll(async () => {
  await initBackend({ backend: 'cpu' });
});
const temp = tempDirs('trainer');
afterAll(() => temp.cleanup());

function model(initial?: tf.Tensor[]): Sequential {
  const m = sequential({
    name: 'probe',
    layers: [layers.flatten({ inputShape: [64, 64, 1], name: 'flat' }), layers.dense({ units: 2, name: 'head' })],
  });
  if (!m.built) m.build([null, 64, 64, 1]);
  if (initial) m.setWeights(initial);
  return m;
}

describe('the @ait/core Trainer on a datasetBatchSource', () => {
  it('trains on disk data with augmentation and resumes mid-epoch to the same losses as an uninterrupted run', async () => {
    const dir = await temp.make();
    await writeTriangleSet(dir, { size: 40 });
    const data = await openTriangleSet(dir, { mode: 'disk' });
    const source = datasetBatchSource(data, { batchSize: 8, augment: { cropPadding: 2, horizontalFlip: true } });
    const initialModel = model();
    const initial = initialModel.getWeights().map((w) => w.clone());
    const run = (net: Sequential, ckpt?: string): { trainer: Trainer; losses: number[] } => {
      const losses: number[] = [];
      const trainer = new Trainer({
        model: net,
        optimizer: new AdamW({ learningRate: 1e-3 }),
        seed: 17,
        callbacks: { onStepEnd: (m) => void losses.push(m.loss) },
        ...(ckpt ? { checkpoint: { dir: ckpt } } : {}),
      });
      return { trainer, losses };
    };

    const fullModel = model(initial);
    const full = run(fullModel);
    await full.trainer.fit(source, { epochs: 2 });
    expect(full.losses).toHaveLength(10);
    expect(full.losses.every(Number.isFinite)).toBe(true);

    const ckptDir = await temp.make();
    const first = run(model(initial), ckptDir);
    const stopped = await first.trainer.fit(source, { epochs: 2, maxSteps: 7 });
    expect(stopped.reason).toBe('max-steps');
    const zeros = initial.map((w) => tf.zerosLike(w));
    const second = run(model(zeros)); // other weights: everything must come from the checkpoint
    await second.trainer.resume(stopped.lastCheckpoint as string);
    await second.trainer.fit(source, { epochs: 2 });
    expect([...first.losses, ...second.losses]).toEqual(full.losses);

    const evaluation = await evaluateModel(fullModel, datasetBatchSource(data, { batchSize: 16, shuffle: false }), {
      loss: (logits, labels) => crossEntropy(logits as tf.Tensor, labels),
    });
    expect(evaluation.examples).toBe(40);
    await data.close?.();
    tf.dispose([...initial, ...zeros]);
  });

  it('feeds a two-input model with Sort-of-CLEVR [images, questions]', async () => {
    const ds = sortOfClevrDataset({ images: 2, questionsPerType: 2 });
    const image = layers.input({ shape: [75, 75, 3], name: 'image' });
    const question = layers.input({ shape: [18], name: 'question' });
    const pooled = layers.globalAveragePooling2d({}).apply(image) as ReturnType<typeof layers.input>;
    const joined = layers.concatenate().apply([pooled, question]) as ReturnType<typeof layers.input>;
    const logits = layers.dense({ units: 10 }).apply(joined) as ReturnType<typeof layers.input>;
    const { model: makeModel } = await import('@tensorflow/tfjs-layers');
    const net = makeModel({ inputs: [image, question], outputs: logits });
    const trainer = new Trainer({ model: net as unknown as Sequential, optimizer: new AdamW({ learningRate: 1e-2 }), seed: 1 });
    const result = await trainer.fit(datasetBatchSource(ds, { batchSize: 4 }), { epochs: 1 });
    expect(result.position.step).toBe(3);
  });
});
