// The generic skeleton on its own: a family written from scratch (its folder would hold these few
// lines and one registration) gets the whole forward pass, the input checks and the registry from
// VisionModelSkeleton, and the pass is exactly tokenizer -> class token -> blocks -> pooling -> head.
import * as tf from '@tensorflow/tfjs-core';
import { Dense, FeedForward, gelu, patchify, z, type LayerArgsOf } from '@ait/core';
import { describe, expect, it } from 'vitest';
import { familySchemas } from '../../src/blocks/config-checks';
import { imageClassifierFields, imageClassifierInputSpec } from '../../src/blocks/image-classifier-options';
import { ClassToken, createModel, listModels, VisionModelSkeleton } from '../../src/index';
import { registerFamily } from '../../src/registry/register-family';
import { expectClose } from '../helpers/float64-ops';
import { useBackend } from '../helpers/backend';

useBackend('cpu');

const schemas = familySchemas({
  ...imageClassifierFields,
  patchSize: z.number().int().positive(),
  dim: z.number().int().positive(),
  pooling: z.enum(['mean', 'cls']).default('mean'),
});

/** A test family: linear patch embedding, an optional CLS token, one feed-forward block (no residual), a linear head. */
class FeedForwardClassifier extends VisionModelSkeleton<typeof schemas.layer> {
  static className = 'TestFeedForwardClassifier';

  constructor(args: LayerArgsOf<typeof schemas.layer>) {
    super('FeedForwardClassifier', schemas.layer, args);
    const c = this.config;
    const tokenizer = this.trackLinearPatchEmbedding(c.patchSize, c.dim);
    const classToken = c.pooling === 'cls' ? this.track(new ClassToken({ name: 'cls_token' })) : null;
    const blocks = [this.track(new FeedForward({ hiddenDim: 6, name: 'block0' }))];
    const head = this.track(new Dense({ units: c.classes, name: 'head' }));
    this.assemble(imageClassifierInputSpec(c, 'the test block'), c.classes, { tokenizer, classToken, blocks, pooling: c.pooling, head });
  }
}
tf.serialization.registerClass(FeedForwardClassifier);

registerFamily({
  family: 'test-feed-forward',
  source: 'this test',
  schema: schemas.config,
  create: (config) => new FeedForwardClassifier(config),
  presets: {
    'test-feed-forward-tiny': {
      scale: 'cpu',
      description: 'a feed-forward classifier for the skeleton test',
      defaults: { classes: 3, imageSize: 8, channels: 2, patchSize: 4, dim: 5 },
    },
  },
});

/** The pass computed from the weights with tf ops: patches -> Linear -> [CLS] -> FFN -> pool -> Linear. */
function reference(model: tf.serialization.Serializable & { getWeights(): tf.Tensor[] }, x: tf.Tensor, cls: boolean): tf.Tensor {
  return tf.tidy(() => {
    const w = model.getWeights();
    const at = (i: number): tf.Tensor => w[i] as tf.Tensor;
    let t: tf.Tensor = tf.add(tf.matMul(patchify(x, 4), at(0)), at(1));
    let i = 2;
    if (cls) {
      const token = tf.broadcastTo(tf.reshape(at(2), [1, 1, -1]), [x.shape[0] as number, 1, t.shape[2] as number]);
      t = tf.concat([token, t], 1);
      i = 3;
    }
    t = tf.add(tf.matMul(gelu(tf.add(tf.matMul(t, at(i)), at(i + 1))), at(i + 2)), at(i + 3));
    const pooled = cls ? tf.squeeze(tf.slice(t, [0, 0, 0], [-1, 1, -1]), [1]) : tf.mean(t, 1);
    return tf.add(tf.matMul(pooled, at(i + 4)), at(i + 5));
  });
}

describe('VisionModelSkeleton', () => {
  it.each(['mean', 'cls'] as const)('runs tokenizer, class token, blocks, %s pooling and head in that order', async (pooling) => {
    const model = createModel('test-feed-forward-tiny', { pooling });
    const x = tf.randomNormal([2, 8, 8, 2], 0, 1, 'float32', 3);
    const y = model.apply(x) as tf.Tensor;
    expect(y.shape).toEqual([2, 3]);
    model.setWeights(model.getWeights().map((v, i) => tf.randomNormal(v.shape, 0, 0.5, 'float32', 10 + i)));
    const got = model.apply(x) as tf.Tensor;
    const want = reference(model, x, pooling === 'cls');
    expectClose(await got.data(), await want.data(), { abs: 1e-5 });
    expect(model.weights.map((v) => v.originalName.replace(/^[^/]*\//, ''))).toEqual([
      'patch_embed/proj/kernel',
      'patch_embed/proj/bias',
      ...(pooling === 'cls' ? ['cls_token/token'] : []),
      'block0/fc1/kernel',
      'block0/fc1/bias',
      'block0/fc2/kernel',
      'block0/fc2/bias',
      'head/kernel',
      'head/bias',
    ]);
    tf.dispose([x, y, got, want]);
    model.dispose();
  });

  it('checks the inputs as its spec says, once for every family', () => {
    const model = createModel('test-feed-forward-tiny');
    expect(() => model.apply(tf.zeros([1, 16, 16, 2]))).toThrow(/configured for 8x8 images \(the test block fixes the number of tokens\)/);
    expect(() => model.apply(tf.zeros([1, 8, 8, 3]))).toThrow(/configured for 2-channel images but got 3/);
    expect(() => model.apply([tf.zeros([1, 8, 8, 2]), tf.zeros([1, 18])])).toThrow(/no question input/);
    expect(() => model.apply(tf.zeros([1, 8, 8, 2], 'int32'))).toThrow(/images must be float32/);
    const any = createModel('test-feed-forward-tiny', { imageSize: null });
    (any.apply(tf.zeros([1, 8, 8, 2])) as tf.Tensor).dispose();
    expect(() => any.apply(tf.zeros([1, 12, 12, 2]))).toThrow(
      /built for 4 tokens \(the test block fixes the number\) but 12x12 images give 9/,
    );
    expect(() => any.apply(tf.zeros([1, 10, 12, 2]))).toThrow(/not divisible by the patch size 4/);
  });

  it('is in the registry through its one registration', () => {
    expect(listModels({ family: 'test-feed-forward' }).map((m) => m.name)).toEqual(['test-feed-forward-tiny']);
    expect(() => createModel('test-feed-forward-tiny', { dim: 0 })).toThrow(/dim/);
  });
});
