import { describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import { SeededRandom, setGlobalSeed } from '@ait/core';
import { createModel, listModels, TransformerBlock, VIT_CPU_PRESETS, type VisionModelParts, type VisionTransformer } from '../../src/index';
import { addRow, expectClose, gelu, layerNormRows, matmul, softmax, toMat, transpose, weight, type Mat } from '../ait/float64-reference';
import { overfitBatch } from '../helpers/overfit';
import { expectConfigRoundTrip, expectRoundTrip } from '../helpers/round-trip';
import { useBackend } from '../helpers/backend';

useBackend('wasm');

describe('TransformerBlock', () => {
  it('computes x + MHSA(LN(x)), then + MLP(LN(.)), as a float64 reference', () => {
    setGlobalSeed(40);
    const [B, N, D, H, HD, F] = [2, 3, 8, 2, 4, 12];
    const block = new TransformerBlock({ numHeads: H, headDim: HD, mlpDim: F });
    const rng = new SeededRandom(41);
    const xs = Array.from({ length: B * N * D }, () => rng.normal());
    const y = block.apply(tf.tensor3d(xs, [B, N, D])) as tf.Tensor;
    // Non-trivial norm parameters.
    const w = (s: string): number[] => weight(block, s);
    const qkv = toMat(w('attn/qkv/kernel'), D, 3 * H * HD);
    const out = toMat(w('attn/output/kernel'), H * HD, D);
    const expected: number[] = [];
    for (let b = 0; b < B; b++) {
      const x = toMat(xs.slice(b * N * D), N, D);
      const a = matmul(layerNormRows(x, w('attn_norm/gamma'), w('attn_norm/beta'), 1e-5), qkv);
      const heads: Mat[] = [];
      for (let h = 0; h < H; h++) {
        const part = (o: number): Mat => a.map((r) => r.slice(o + h * HD, o + (h + 1) * HD));
        const att = matmul(part(0), transpose(part(H * HD))).map((r) => softmax(r.map((v) => v / Math.sqrt(HD))));
        heads.push(matmul(att, part(2 * H * HD)));
      }
      const concat = heads[0]!.map((r, n) => [...r, ...(heads[1]![n] as number[])]);
      const x1 = addRow(matmul(concat, out), w('attn/output/bias')).map((r, n) => r.map((v, j) => v + (x[n]![j] as number)));
      const hidden = addRow(
        matmul(layerNormRows(x1, w('mlp_norm/gamma'), w('mlp_norm/beta'), 1e-5), toMat(w('mlp/fc1/kernel'), D, F)),
        w('mlp/fc1/bias'),
      ).map((r) => r.map(gelu));
      const m = addRow(matmul(hidden, toMat(w('mlp/fc2/kernel'), F, D)), w('mlp/fc2/bias'));
      expected.push(...m.flatMap((r, n) => r.map((v, j) => v + (x1[n]![j] as number))));
    }
    expectClose(y.dataSync(), expected, 1e-4, 'block');
    expect(block.weights.map((v) => v.originalName).some((n) => n.endsWith('qkv/bias'))).toBe(false);
  });
});

/** Records (a kept copy of) what `block` is called with until `restore()`. */
function captureInput(block: TransformerBlock): { input: () => tf.Tensor; restore: () => void } {
  const call = block.call.bind(block);
  let seen: tf.Tensor | undefined;
  block.call = (inputs, kwargs) => {
    seen = tf.keep((inputs as tf.Tensor).clone());
    return call(inputs, kwargs);
  };
  return {
    input: () => {
      if (!seen) throw new Error('the block was not called');
      return seen;
    },
    restore: () => {
      block.call = call;
    },
  };
}

describe('ViT presets', () => {
  it('CPU presets are registered', () => {
    expect(
      listModels({ family: 'vit', scale: 'cpu' })
        .map((m) => m.name)
        .sort(),
    ).toEqual(Object.keys(VIT_CPU_PRESETS).sort());
  });

  it.each(Object.keys(VIT_CPU_PRESETS))('%s: logits and attention maps on 16x16 images', (name) => {
    const model = createModel(name, { imageSize: 16, channels: 3, classes: 10, recordMaps: true }) as VisionTransformer;
    const y = model.apply(tf.randomNormal([2, 16, 16, 3])) as tf.Tensor;
    expect(y.shape).toEqual([2, 10]);
    const cls = model.config.head === 'cls';
    // 4 x 4 patches of the image, or 2 x 2 patches of the stem's 4 x 4 maps
    const tokens = (model.config.convStem.length > 0 ? 4 : 16) + (cls ? 1 : 0);
    expect(model.numTokens).toBe(tokens);
    const maps = model.internalMaps();
    expect(Object.keys(maps)).toHaveLength(model.config.depth);
    expect(maps['block0/attention']?.shape).toEqual([2, model.config.numHeads, tokens, tokens]);
    // Attention rows are distributions.
    const row = Array.from(maps['block0/attention']?.dataSync().slice(0, tokens) ?? []);
    expect(row.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 5);
    expect(model.weights.some((w) => w.originalName.endsWith('cls_token/token'))).toBe(cls);
    expect(model.weights.some((w) => w.originalName.endsWith('pos_embed/embeddings'))).toBe(model.config.positionEmbedding === 'learned');
    model.dispose();
  });

  it('clear errors: image size vs flatten head / learned positions, patch size not dividing the image', () => {
    const flat = createModel('vit-tiny-flatten', { imageSize: 16 });
    expect(() => flat.apply(tf.zeros([1, 8, 8, 3]))).toThrow(/configured for 16x16 images \(the flatten head fixes the number of tokens\)/);
    const cls = createModel('vit-tiny', { imageSize: 16 });
    expect(() => cls.apply(tf.zeros([1, 32, 32, 3]))).toThrow(/the learned position embedding fixes the number of tokens/);
    expect(() => createModel('vit-tiny', { imageSize: 18 })).toThrow(/patchSize: the patch size 4 does not divide the image size 18/);
    expect(() => cls.apply([tf.zeros([1, 16, 16, 3]), tf.zeros([1, 18])])).toThrow(/expects one input/);
  });

  it('question-token variant: block 0 gets [CLS, question token, patch tokens] (+ positions), recomputed from the parts', () => {
    const model = createModel('vit-tiny', { imageSize: 16, questionDim: 18, recordMaps: true }) as VisionTransformer;
    const images = tf.randomNormal([2, 16, 16, 3], 0, 1, 'float32', 5);
    const questions = tf.randomUniform([2, 18], 0, 1, 'float32', 6);
    const seen = captureInput(model.blocks[0] as TransformerBlock);
    const y = model.apply([images, questions]) as tf.Tensor;
    seen.restore();
    expect(y.shape).toEqual([2, 10]);
    expect(model.internalMaps()['block0/attention']?.shape).toEqual([2, model.config.numHeads, 18, 18]);
    const parts = (model as unknown as { parts: VisionModelParts }).parts;
    const byName = (suffix: string): tf.Tensor => {
      const w = model.weights.find((v) => v.originalName.endsWith(suffix));
      if (!w) throw new Error(`no weight ${suffix}`);
      return w.read();
    };
    const expected = tf.tidy(() => {
      const patches = parts.tokenizer.apply(images) as tf.Tensor; // [2, 16, D]
      const q = parts.questionToken?.apply(questions) as tf.Tensor; // [2, 1, D]
      const cls = tf.tile(tf.reshape(byName('cls_token/token'), [1, 1, -1]), [2, 1, 1]);
      const positions = tf.reshape(byName('pos_embed/embeddings'), [1, 18, -1]);
      return tf.add(tf.concat([cls, q, patches], 1), positions);
    });
    const diff = tf.tidy(() => tf.max(tf.abs(tf.sub(seen.input(), expected))).dataSync()[0] as number);
    expect(diff).toBeLessThan(1e-5);
    // the question reaches the logits
    const other = tf.randomUniform([2, 18], 0, 1, 'float32', 7);
    const y2 = model.apply([images, other]) as tf.Tensor;
    expect(tf.tidy(() => tf.max(tf.abs(tf.sub(y, y2))).dataSync()[0] as number)).toBeGreaterThan(1e-4);
    expect(() => model.apply(images)).toThrow(/question vector is missing/);
    tf.dispose([images, questions, other, y, y2, seen.input(), expected]);
    model.dispose();
  });

  it("vit-tiny-conv: block 0 gets AiT's tokens (stem, 2 x 2 patches) + the sine-cosine table, recomputed from the parts", () => {
    setGlobalSeed(46);
    const model = createModel('vit-tiny-conv', { imageSize: 16 }) as VisionTransformer;
    const images = tf.randomNormal([2, 16, 16, 1], 0, 1, 'float32', 10);
    const seen = captureInput(model.blocks[0] as TransformerBlock);
    const y = model.apply(images) as tf.Tensor;
    seen.restore();
    expect(y.shape).toEqual([2, 2]);
    const parts = (model as unknown as { parts: VisionModelParts }).parts;
    expect(parts.stem?.name).toBe('conv_stem');
    // the stem's two stages leave 4 x 4 maps of 16 channels: 2 x 2 patches of 2 * 2 * 16 features
    expect(model.weights.find((w) => w.originalName.endsWith('patch_embed/proj/kernel'))?.shape).toEqual([64, 64]);
    const table = tf.tidy(() => tf.squeeze(parts.positions?.apply(tf.zeros([1, 4, 64])) as tf.Tensor, [0]));
    const rows = table.arraySync() as number[][];
    // fixed sine-cosine rows: no weights, every patch position different from the others
    expect(model.weights.some((w) => w.originalName.includes('pos_embed'))).toBe(false);
    for (let i = 0; i < 4; i++) for (let j = i + 1; j < 4; j++) expect(rows[i]).not.toEqual(rows[j]);
    const expected = tf.tidy(() =>
      tf.add(parts.tokenizer.apply(parts.stem?.apply(images) as tf.Tensor) as tf.Tensor, tf.expandDims(table, 0)),
    );
    const diff = tf.tidy(() => tf.max(tf.abs(tf.sub(seen.input(), expected))).dataSync()[0] as number);
    expect(diff).toBeLessThan(1e-5);
    expect(() => createModel('vit-tiny-conv', { imageSize: 20 })).toThrow(
      /patchSize: the patch size 2 does not divide the stem's output side 5 \(image 20\)/,
    );
    expect(() => createModel('vit-tiny-conv', { dim: 66, numHeads: 3, headDim: 22 })).toThrow(/'sincos' needs dim divisible by 4/);
    tf.dispose([images, y, seen.input(), expected, table]);
    model.dispose();
  });

  it('vit-tiny-conv serialises and loads', async () => {
    setGlobalSeed(47);
    const model = createModel('vit-tiny-conv', { imageSize: 16 }) as VisionTransformer;
    const loaded = await expectRoundTrip(model, [[16, 16, 1]], [tf.randomNormal([2, 16, 16, 1], 0, 1, 'float32', 11)]);
    expectConfigRoundTrip(model);
    expect(loaded.weights.some((w) => w.originalName.includes('conv_stem'))).toBe(true);
    loaded.dispose();
  });

  it('the question-token variant serialises and loads (two inputs)', async () => {
    setGlobalSeed(45);
    const model = createModel('vit-tiny-flatten', { imageSize: 8, questionDim: 18 }) as VisionTransformer;
    const x = tf.randomNormal([2, 8, 8, 3], 0, 1, 'float32', 8);
    const q = tf.randomUniform([2, 18], 0, 1, 'float32', 9);
    const loaded = await expectRoundTrip(model, [[8, 8, 3], [18]], [x, q]);
    expectConfigRoundTrip(model);
    loaded.dispose();
  });

  it.each(['vit-tiny', 'vit-tiny-flatten'])('%s serialises and loads', async (name) => {
    setGlobalSeed(42);
    const model = createModel(name, { imageSize: 8, dropPath: 0.1 }) as VisionTransformer;
    const loaded = await expectRoundTrip(model, [[8, 8, 3]], [tf.randomNormal([2, 8, 8, 3])]);
    expectConfigRoundTrip(model);
    expect(loaded.layers[1]?.getClassName()).toBe('AitViT');
    loaded.dispose();
  });

  it.each(['vit-tiny', 'vit-tiny-flatten'])('%s overfits a tiny batch to 100 percent training accuracy', async (name) => {
    setGlobalSeed(43);
    const model = createModel(name, { imageSize: 16 });
    const x = tf.randomNormal([8, 16, 16, 3], 0, 1, 'float32', 44);
    const y = tf.tensor1d([0, 1, 2, 3, 4, 5, 6, 7], 'int32');
    const { accuracy, initialAccuracy } = await overfitBatch(model, x, y);
    expect(initialAccuracy).toBeLessThanOrEqual(0.5);
    expect(accuracy).toBe(1);
    model.dispose();
  });
});
