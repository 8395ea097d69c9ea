import * as tf from '@tensorflow/tfjs-core';
import { type Batch } from '@ait/core';
import { checkImageLength, checkLabel } from '../dataset/check-sample';
import { type DatasetInfo, type NormalizationStats, type Sample, imageLength } from '../dataset/dataset';
import { type AugmentationPlan, writeImage } from './augmentation';

/**
 * Turns samples into one batch of tensors: `x` float32 `[B, H, W, C]` (augmented by `plans`,
 * scaled and normalised by `stats`), or `[images, ...extra inputs]` (each `[B, ...shape]`
 * float32) when the data set declares extra inputs, and `y` int32 `[B]`. Checks every sample's
 * image size, extra inputs and label against the data set; errors name the data set and sample.
 */
export function assembleBatch(
  samples: readonly Sample[],
  info: DatasetInfo,
  stats: NormalizationStats | null,
  plans?: readonly (AugmentationPlan | undefined)[],
): Batch {
  const b = samples.length;
  if (b === 0) throw new Error(`assembleBatch '${info.name}': no samples to batch.`);
  const [h, w, c] = info.imageShape;
  const per = imageLength(info.imageShape);
  const x = new Float32Array(b * per);
  const y = new Int32Array(b);
  const extras = info.extraInputs.map((spec) => ({ spec, size: spec.shape.reduce((p, d) => p * d, 1) }));
  const extraBuffers = extras.map((e) => new Float32Array(b * e.size));
  samples.forEach((s, i) => {
    const where = `Dataset '${info.name}', batch sample ${i}`;
    checkImageLength(s.image, info.imageShape, where);
    checkLabel(s.label, info.numClasses, where);
    writeImage(s.image, [h, w, c], plans?.[i], stats, x, i * per);
    y[i] = s.label;
    extras.forEach((e, k) => {
      const v = s.inputs?.[k];
      if (v === undefined || v.length !== e.size) {
        throw new Error(
          `${where}: extra input '${e.spec.name}' must have ${e.size} values (shape [${e.spec.shape.join(', ')}]), ` +
            `got ${v === undefined ? 'none' : v.length}.`,
        );
      }
      (extraBuffers[k] as Float32Array).set(v, i * e.size);
    });
  });
  const images = tf.tensor4d(x, [b, h, w, c], 'float32');
  const labels = tf.tensor1d(y, 'int32');
  if (extras.length === 0) return { x: images, y: labels };
  const inputs = extras.map((e, k) => tf.tensor(extraBuffers[k] as Float32Array, [b, ...e.spec.shape], 'float32'));
  return { x: [images, ...inputs], y: labels };
}
