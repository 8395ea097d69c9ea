import { describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import { input, type SymbolicTensor } from '@tensorflow/tfjs-layers';
import { countParameters } from '@ait/core';
import { createModel, listModels } from '../../src/index';
import { useBackend } from '../helpers/backend';

useBackend('wasm');

/*
 * Parameter counts derived by hand from the layer shapes of the reference code (CIFAR-10: image 32,
 * patch 4 -> N = 64 tokens, patch features P*P*C = 48, 10 classes; D = width, F = MLP width,
 * self-attention 12 (or 4) heads of 64 -> inner width H*64; memory M = 32 slots of Dm = 32, Hm = 8
 * bottleneck heads).
 *
 * patch embedding: LN(48) 2*48 + Linear 48*D + D + LN(D) 2*D
 * per block:
 *   attn_norm LN(D)              2D
 *   attn  fused QKV (no bias)    D * 3*(H*64)
 *         output projection      (H*64) * D + D
 *   gwl_norm LN(D)               2D
 *   gwl   ff fc1                 D*F + F
 *         ff fc2                 F*D + D
 *         ff_norm LN(D)          2D
 *         write query (no bias)  Dm * Hm*Dm
 *         write key   (no bias)  D * Hm*Dm
 *         write value (no bias)  D * Hm*Dm
 *         write output (no bias) Hm*Dm * Dm
 *         write_norm LN(Dm)      2*Dm
 *         up (LT)                Dm*D + D
 *         priors (non-trainable) M*Dm
 * flatten head: LN(N*D) 2*N*D + Linear N*D*10 + 10
 */
function aitCounts(D: number, F: number, H: number, layers: number): { trainable: number; nonTrainable: number } {
  const [N, PD, M, DM, HM, C] = [64, 48, 32, 32, 8, 10];
  const inner = H * 64;
  const patch = 2 * PD + PD * D + D + 2 * D;
  const attn = 2 * D + D * 3 * inner + inner * D + D;
  const gwl = 2 * D + (D * F + F) + (F * D + D) + 2 * D + DM * HM * DM + D * HM * DM + D * HM * DM + HM * DM * DM + 2 * DM + (DM * D + D);
  const head = 2 * N * D + N * D * C + C;
  return { trainable: patch + layers * (attn + gwl) + head, nonTrainable: layers * M * DM };
}

/* ViT-Base: patch embedding as above; CLS token D; learned positions (N + 1) * D; per block
 * LN 2D + QKV D*3D + proj D*D + D + LN 2D + fc1 D*F + F + fc2 F*D + D; head LN(D) 2D + Linear D*10 + 10.
 * The flatten variant has no CLS token or positions and the LN(N*D) -> Linear head. */
function vitCounts(flatten: boolean): number {
  const [D, F, L, N, PD, C] = [768, 3072, 12, 64, 48, 10];
  const patch = 2 * PD + PD * D + D + 2 * D;
  const block = 2 * D + D * 3 * D + D * D + D + 2 * D + D * F + F + F * D + D;
  const head = flatten ? 2 * N * D + N * D * C + C : 2 * D + D * C + C;
  const tokens = flatten ? 0 : D + (N + 1) * D;
  return patch + tokens + L * block + head;
}

/** Parameters of the reference code that our models leave out because its forward pass never uses them:
 * a CNN stem Conv2d(3, 768, 5) 3*768*25 + 768, a position table 65*768 and a CLS token 768. */
const UNUSED_IN_REFERENCE = 3 * 768 * 25 + 768 + 65 * 768 + 768;

const expected: Record<string, { trainable: number; nonTrainable: number }> = {
  'ait-small': aitCounts(768, 3072, 12, 2),
  'ait-medium': aitCounts(768, 3072, 12, 6),
  'ait-base': aitCounts(768, 3072, 12, 12),
  'ait-coordination-size': aitCounts(256, 512, 4, 1),
  'vit-base': { trainable: vitCounts(false), nonTrainable: 0 },
  'vit-base-flatten': { trainable: vitCounts(true), nonTrainable: 0 },
};

describe('paper-size presets (built on 32x32 inputs, not trained)', () => {
  it('the registry lists exactly these paper-size AiT and ViT presets', () => {
    const names = listModels({ scale: 'paper' })
      .filter((m) => m.family === 'ait' || m.family === 'vit')
      .map((m) => m.name);
    expect(names.sort()).toEqual(Object.keys(expected).sort());
  });

  it.each(Object.keys(expected))('%s: exact trainable / non-trainable counts and output shape', (name) => {
    const model = createModel(name);
    // A symbolic call builds the model for [batch, 32, 32, 3] and infers the output shape.
    const symbolic = model.apply(input({ shape: [32, 32, 3] })) as SymbolicTensor;
    expect(symbolic.shape).toEqual([null, 10]);
    const counts = countParameters(model);
    const want = expected[name] as { trainable: number; nonTrainable: number };
    expect(counts.trainable).toBe(want.trainable);
    expect(counts.nonTrainable).toBe(want.nonTrainable);
    // One forward pass on a single image for the smaller ones (the larger ones only differ in depth).
    if (counts.total < 20e6) {
      const y = model.apply(tf.zeros([1, 32, 32, 3])) as tf.Tensor;
      expect(y.shape).toEqual([1, 10]);
      expect(Array.from(y.dataSync()).every(Number.isFinite)).toBe(true);
      y.dispose();
    }
    model.dispose();
  });

  it('with the parameters the reference code creates but never uses, the counts give the published totals', () => {
    const total = (name: string): number => {
      const c = expected[name] as { trainable: number; nonTrainable: number };
      return c.trainable + c.nonTrainable;
    };
    // AiT-Medium 45.9 M and AiT-Base 91 M (the paper's CIFAR-10 table).
    expect(total('ait-medium') + UNUSED_IN_REFERENCE).toBe(45_876_970);
    expect(total('ait-base') + UNUSED_IN_REFERENCE).toBe(91_015_786);
    // ViT-Base 85.7 M: the flatten-head ViT plus the unused position table and CLS token.
    expect(total('vit-base-flatten') + 65 * 768 + 768).toBe(85_706_602);
  });
});
