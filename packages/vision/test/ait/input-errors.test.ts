import { describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import { ConfigError } from '@ait/core';
import { AssociativeTransformer, createModel } from '../../src/index';
import { SMALL_AIT } from './small-config';
import { useBackend } from '../helpers/backend';

useBackend('cpu');

describe('clear errors for inputs and configs that do not fit', () => {
  it('image size vs the flatten head', () => {
    const model = createModel('ait-tiny', { imageSize: 16 });
    (model.apply(tf.zeros([1, 16, 16, 3])) as tf.Tensor).dispose();
    expect(() => model.apply(tf.zeros([1, 8, 8, 3]))).toThrow(
      /configured for 16x16 images \(the flatten head fixes the number of tokens\) but got 8x8.*Resize the images to 16x16, or create the model with imageSize: 8/,
    );
    model.dispose();
  });

  it('a mean-pooling model takes any image size the patch divides, and names the patch size otherwise', () => {
    const model = new AssociativeTransformer({ ...SMALL_AIT, head: 'mean' });
    const y = model.apply(tf.zeros([2, 12, 16, 3])) as tf.Tensor;
    expect(y.shape).toEqual([2, 3]);
    expect(() => model.apply(tf.zeros([1, 10, 12, 3]))).toThrow(/image size 10x12 is not divisible by the patch size 4/);
    model.dispose();
  });

  it('a patch size that does not divide the image size is a config error naming patchSize', () => {
    expect(() => createModel('ait-tiny', { imageSize: 30 })).toThrow(ConfigError);
    expect(() => createModel('ait-tiny', { imageSize: 30 })).toThrow(/patchSize: the patch size 4 does not divide the image size 30/);
    expect(() => new AssociativeTransformer({ ...SMALL_AIT, patchSize: 3 })).toThrow(/patchSize/);
  });

  it('the question vector missing for the question-token variant (and given to an image-only model)', () => {
    const qa = new AssociativeTransformer({ ...SMALL_AIT, questionDim: 18 });
    expect(() => qa.apply(tf.zeros([2, 8, 8, 3]))).toThrow(
      /question vector is missing.*\[images \[batch, H, W, 3\], questions \[batch, 18\]\]/,
    );
    expect(() => qa.apply([tf.zeros([2, 8, 8, 3]), tf.zeros([2, 11])])).toThrow(/questions must have shape \[batch, 18\]/);
    expect(() => qa.apply([tf.zeros([2, 8, 8, 3]), tf.zeros([3, 18])])).toThrow(/same batch size/);
    const plain = new AssociativeTransformer(SMALL_AIT);
    expect(() => plain.apply([tf.zeros([2, 8, 8, 3]), tf.zeros([2, 18])])).toThrow(/create the model with questionDim/);
  });

  it('wrong channels, wrong rank, unknown models and bad overrides', () => {
    const model = new AssociativeTransformer(SMALL_AIT);
    expect(() => model.apply(tf.zeros([1, 8, 8, 1]))).toThrow(/configured for 3-channel images.*channels: 1/);
    expect(() => model.apply(tf.zeros([8, 8, 3]))).toThrow(/\[batch, height, width, channels\]/);
    expect(() => createModel('ait-huge')).toThrow(/Unknown model "ait-huge".*ait-tiny/);
    const bad = (): unknown => createModel('ait-tiny', { competition: 'global', topK: 0 });
    expect(bad).toThrow(/competition: Invalid option: expected one of "batch"\|"sample"/);
    expect(bad).toThrow(/topK: Too small/);
    expect(() => createModel('ait-tiny', { memory: 'learned', ablation: { resetMemory: true } })).toThrow(
      /ablation.resetMemory: applies to memory 'ema' only/,
    );
    expect(() => createModel('ait-tiny', { ablation: { noHopfeld: true } })).toThrow(/noHopfeld/);
  });
});
