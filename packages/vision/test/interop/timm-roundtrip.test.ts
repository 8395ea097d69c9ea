// The round trip AiT.js -> safetensors -> PyTorch (timm) -> safetensors -> AiT.js, bit-exact.
// AiT.js models with deterministic weights are exported with toTimmSafetensors; the committed
// <variant>.aitjs.safetensors is that export (this test checks it still is, byte for byte).
// scripts/reference/make-timm-fixtures.py --roundtrip built timm's model from nothing but the
// file's metadata, loaded it with load_state_dict(strict=True), ran the fixture's images and
// saved its state_dict() (<variant>.roundtrip.safetensors) and logits. CI reads only those files.
// To write the AiT.js exports again: AIT_WRITE_TIMM_ROUNDTRIP=1 pnpm exec vitest run test/interop/timm-roundtrip.test.ts
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { decodeSafetensors, namedWeights } from '@ait/core';
import { describe, expect, it } from 'vitest';
import { loadTimmSafetensors, toTimmSafetensors, type TimmMappedModel } from '../../src/index';
import { useBackend } from '../helpers/backend';
import { logitsError, TIMM_FIXTURES, TIMM_VARIANTS, timmFileBytes, timmInfo, timmTensors, timmVariantModel } from './timm-helpers';
import { expectBitExact, expectSameTensors, fixtureTensor, RELATIVE_TOLERANCE, release, weightValues } from './reference-fixture';

const WRITE = process.env.AIT_WRITE_TIMM_ROUNDTRIP === '1';

useBackend('cpu');

/** A small deterministic generator (mulberry32): the weights must not depend on the library's initialisers. */
function generator(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** The variant's AiT.js model, built, with every weight drawn from `generator(seed)` (uniform, scaled by fan-in for matrices). */
function deterministicModel(variant: string, seed: number): TimmMappedModel {
  const model = timmVariantModel(variant);
  const size = model.config.imageSize as number;
  const channels = model.config.channels as number;
  tf.tidy(() => {
    model.apply(tf.zeros([1, size, size, channels]), { training: false });
  });
  const next = generator(seed);
  for (const [name, w] of namedWeights(model)) {
    const shape = w.shape as number[];
    const count = shape.reduce((a, b) => a * b, 1);
    const scale = shape.length >= 2 ? 1 / Math.sqrt(shape[0] as number) : 0.5;
    const offset = name.endsWith('/gamma') ? 1 : 0;
    const values = Float32Array.from({ length: count }, () => offset + scale * (2 * next() - 1));
    const t = tf.tensor(values, shape, 'float32');
    w.write(t);
    t.dispose();
  }
  return model;
}

describe.each(TIMM_VARIANTS)('AiT.js (%s) -> safetensors -> PyTorch -> safetensors -> AiT.js', (variant) => {
  const seed = 7 + TIMM_VARIANTS.indexOf(variant);
  const exportName = `${variant}.aitjs.safetensors`;

  it(`the AiT.js export is the committed ${exportName}, byte for byte`, async () => {
    const model = deterministicModel(variant, seed);
    const bytes = await toTimmSafetensors(model);
    if (WRITE) writeFileSync(join(TIMM_FIXTURES, exportName), bytes);
    expect(Buffer.from(bytes).equals(Buffer.from(timmFileBytes(exportName)))).toBe(true);
    release(model);
  });

  describe.skipIf(WRITE)('after PyTorch', () => {
    it("PyTorch's state_dict loads back bit-exactly, and exports again to the same tensors", async () => {
      const before = tf.memory().numTensors;
      const original = deterministicModel(variant, seed);
      const loaded = timmVariantModel(variant);
      loadTimmSafetensors(loaded, timmFileBytes(`${variant}.roundtrip.safetensors`), { source: `${variant}.roundtrip.safetensors` });
      const names = (m: TimmMappedModel): Map<string, Float32Array> =>
        new Map([...weightValues(m)].map(([n, v]) => [n.slice(m.name.length + 1), v]));
      expectBitExact(names(loaded), names(original));
      const again = decodeSafetensors(await toTimmSafetensors(loaded), 'export').tensors;
      const first = timmTensors(exportName);
      expectSameTensors(again, first);
      release(original);
      release(loaded);
      expect(tf.memory().numTensors).toBe(before);
    });

    it('timm built from the export metadata gives the logits AiT.js gives, within 1e-5 relative', () => {
      const model = deterministicModel(variant, seed);
      const io = timmTensors(`${variant}.io.safetensors`);
      const torch = fixtureTensor(timmTensors(`${variant}.roundtrip-logits.safetensors`), 'logits');
      expect(logitsError(model, io, torch)).toBeLessThan(RELATIVE_TOLERANCE);
      expect(timmInfo.roundtrip?.[variant]?.aitjs_export_metadata.timm_model).toBe(timmInfo.variants[variant]?.timm_model);
      release(model);
    });
  });
});
