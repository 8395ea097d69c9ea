import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { initializers, layers, sequential, type Sequential } from '@tensorflow/tfjs-layers';
import { describe, expect, it } from 'vitest';
import {
  accuracyByGroup,
  AdamW,
  ConfigError,
  crossEntropy,
  disposeCheckpoint,
  evaluateModel,
  latestCheckpoint,
  listCheckpoints,
  loadCheckpoint,
  tensorBatchSource,
  Trainer,
  type BatchSource,
} from '../../src/index';
import { toyData } from './tiny-net';
import { useBackend, useTempDir } from '../../testing/index';

useBackend('cpu');
const root = useTempDir('ait-best-');

describe('accuracyByGroup', () => {
  it('counts correct predictions per group, leaving out -1 and reporting null for an empty group', () => {
    const r = accuracyByGroup([0, 1, 2, 2, 1, 0], [0, 1, 1, 2, 0, 0], {
      name: 'kind',
      groups: ['a', 'b', 'c'],
      indices: [0, 0, 1, 1, -1, 1],
    });
    expect(r).toEqual({
      name: 'kind',
      groups: [
        { group: 'a', examples: 2, correct: 2, accuracy: 1 },
        { group: 'b', examples: 3, correct: 2, accuracy: 2 / 3 },
        { group: 'c', examples: 0, correct: 0, accuracy: null },
      ],
    });
  });

  it('refuses a grouping of another length or with a group index out of range', () => {
    expect(() => accuracyByGroup([0, 1], [0, 1], { name: 'kind', groups: ['a'], indices: [0] })).toThrow(/has 1 examples, but there are 2/);
    expect(() => accuracyByGroup([0, 1], [0, 1], { name: 'kind', groups: ['a'], indices: [0, 1] })).toThrow(/group 1, outside \[-1, 1\)/);
  });
});

function denseModel(inputs: number, classes: number, seed: number): Sequential {
  return sequential({
    name: 'toy',
    layers: [
      layers.dense({ name: 'dense', units: classes, inputShape: [inputs], kernelInitializer: initializers.glorotUniform({ seed }) }),
    ],
  });
}

describe('evaluateModel with groupings', () => {
  it('reports accuracy per group like a naive loop over the predictions, in the order of an unshuffled source', async () => {
    const d = toyData(23, 3, 4, 5);
    const x = tf.tensor2d(d.x);
    const y = tf.tensor1d(d.y, 'int32');
    const model = denseModel(3, 4, 9);
    const predicted = Array.from((tf.tidy(() => tf.argMax(model.predict(x) as tf.Tensor, 1)) as tf.Tensor).dataSync());
    const indices = d.y.map((_, i) => i % 3);
    const grouping = { name: 'thirds', groups: ['first', 'second', 'third'], indices };
    const source = tensorBatchSource(x, y, { batchSize: 5, shuffle: false });
    const metrics = await evaluateModel(model, source, { loss: (o, t) => crossEntropy(o, t), groupings: [grouping] });
    const groups = metrics.groups?.[0]?.groups ?? [];
    expect(groups.map((g) => g.examples)).toEqual([8, 8, 7]);
    for (const [g, entry] of groups.entries()) {
      const members = indices.flatMap((k, i) => (k === g ? [i] : []));
      const correct = members.filter((i) => predicted[i] === d.y[i]).length;
      expect(entry.correct).toBe(correct);
    }
    expect(groups.reduce((s, g) => s + g.correct, 0) / 23).toBeCloseTo(metrics.accuracy as number, 12);
    const plain = await evaluateModel(model, source, { loss: (o, t) => crossEntropy(o, t) });
    expect(plain.groups).toBeUndefined();
    const wrong = { ...grouping, indices: indices.slice(1) };
    await expect(evaluateModel(model, source, { loss: (o, t) => crossEntropy(o, t), groupings: [wrong] })).rejects.toThrow(
      /has 22 examples, but there are 23 predictions/,
    );
    tf.dispose([x, y]);
    model.dispose();
  });
});

describe('Trainer checkpoint.best', () => {
  // Evaluation accuracy per epoch, forced by labelling the first k examples with the model's own prediction.
  const ACCURACIES = [0.25, 0.5, 0.5, 0.75, 0.25, 0.75];
  const N = 8;
  const CLASSES = 3;

  function forcedEvalSource(model: Sequential, xe: tf.Tensor2D): BatchSource {
    return {
      batches(epoch: number) {
        const batch = tf.tidy(() => {
          const predicted = Array.from(tf.argMax(model.predict(xe) as tf.Tensor, 1).dataSync());
          const k = Math.round((ACCURACIES[epoch] as number) * N);
          const labels = predicted.map((p, i) => (i < k ? p : (p + 1) % CLASSES));
          return { x: xe.clone(), y: tf.tensor1d(labels, 'int32') };
        });
        return [batch];
      },
    };
  }

  function makeTrainer(dir: string, model: Sequential, onEpochBegin?: () => Promise<void>): Trainer {
    return new Trainer({
      model,
      optimizer: new AdamW({ learningRate: 0.05 }),
      seed: 1,
      checkpoint: { dir, everyEpoch: true, keep: 10, best: join(dir, 'best.ckpt') },
      ...(onEpochBegin ? { callbacks: { onEpochBegin } } : {}),
    });
  }

  it('keeps the state of the epoch with the highest evaluation accuracy (ties keep the earlier), apart from the newest', async () => {
    const dir = join(root(), 'best');
    const d = toyData(N, 2, CLASSES, 11);
    const x = tf.tensor2d(d.x);
    const y = tf.tensor1d(d.y, 'int32');
    const model = denseModel(2, CLASSES, 4);
    const bestEpochs: number[] = [];
    const trainer = makeTrainer(dir, model, async () => {
      const best = await loadCheckpoint(join(dir, 'best.ckpt')).catch(() => undefined);
      if (best) {
        bestEpochs.push(best.position.epoch);
        disposeCheckpoint(best);
      }
    });
    const result = await trainer.fit(tensorBatchSource(x, y, { batchSize: 4 }), { epochs: 6, evalSource: forcedEvalSource(model, x) });
    expect(result.history.map((h) => h.eval?.accuracy)).toEqual(ACCURACIES);
    // best.ckpt as seen at the start of epochs 1..5: after epochs 0, 1, 1 (tie), 3, 3
    expect(bestEpochs).toEqual([1, 2, 2, 4, 4]);
    expect(result.best).toEqual({ accuracy: 0.75, epoch: 3, step: 8, path: join(dir, 'best.ckpt') });
    expect(trainer.best).toEqual(result.best);
    const best = await loadCheckpoint(join(dir, 'best.ckpt'));
    expect(best.position).toEqual({ epoch: 4, step: 8, stepInEpoch: 0 });
    expect(best.metadata.trainer).toMatchObject({ best: { accuracy: 0.75, epoch: 3, step: 8 } });
    disposeCheckpoint(best);
    // best.ckpt is neither listed, pruned nor taken for the newest checkpoint
    expect((await listCheckpoints(dir)).map((e) => e.epoch)).toEqual([1, 2, 3, 4, 5, 6]);
    expect(await latestCheckpoint(dir)).toBe(result.lastCheckpoint);

    // resumed from the end of epoch 2 (best so far: epoch 1), the record comes back and epoch 3 beats it again
    const again = denseModel(2, CLASSES, 4);
    tf.dispose(again.predict(x) as tf.Tensor); // builds it
    const resumed = makeTrainer(dir, again);
    const entries = await listCheckpoints(dir);
    await resumed.resume(entries[2]?.path as string);
    expect(resumed.best).toEqual({ accuracy: 0.5, epoch: 1, step: 4, path: join(dir, 'best.ckpt') });
    const rest = await resumed.fit(tensorBatchSource(x, y, { batchSize: 4 }), { epochs: 6, evalSource: forcedEvalSource(again, x) });
    expect(rest.best).toMatchObject({ accuracy: 0.75, epoch: 3 });

    // without checkpoint.best the record is ignored
    const plain = new Trainer({ model: again, optimizer: new AdamW({ learningRate: 0.05 }), seed: 1 });
    await plain.resume(entries[5]?.path as string);
    expect(plain.best).toBeUndefined();
    expect(() => new Trainer({ model: again, optimizer: new AdamW({ learningRate: 0.05 }), checkpoint: { dir, best: '' } })).toThrow(
      ConfigError,
    );
    tf.dispose([x, y]);
    model.dispose();
    again.dispose();
  });
});
