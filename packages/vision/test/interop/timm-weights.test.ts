// The weight maps to timm's VisionTransformer and MlpMixer (huggingface/pytorch-image-models),
// checked against timm's own modules: test/fixtures/timm/ comes from
// scripts/reference/make-timm-fixtures.py (timm's models at a tiny size, every parameter drawn
// again with a fixed seed, evaluation mode). CI has no Python: this test reads only the committed files.
import * as tf from '@tensorflow/tfjs-core';
import { decodeSafetensors, encodeSafetensors, type TensorValues } from '@ait/core';
import { describe, expect, it } from 'vitest';
import {
  aitJsToTimmMixer,
  aitJsToTimmVit,
  loadTimmSafetensors,
  MlpMixer,
  officialVitWeightMap,
  OfficialWeightsError,
  timmMixerToAitJs,
  timmMixerWeightMap,
  timmVitToAitJs,
  timmVitWeightMap,
  TimmWeightsError,
  toTimmSafetensors,
  VisionTransformer,
  type MlpMixerArgs,
  type TimmMixerConfig,
  type VisionTransformerArgs,
} from '../../src/index';
import { useBackend } from '../helpers/backend';
import { logitsError, TIMM_VARIANTS, timmFileBytes, timmInfo, timmTensors, timmVariantModel, type TimmVariantInfo } from './timm-helpers';
import { valuesByName } from '@ait/core/testing';
import { expectBitExact, expectSameTensors, fixtureTensor, RELATIVE_TOLERANCE, release, thrownBy, weightValues } from './reference-fixture';

useBackend('cpu');

const vitCls = timmInfo.variants['vit-cls'] as TimmVariantInfo;
const mixerInfo = timmInfo.variants.mixer as TimmVariantInfo;

/** The config of a fresh ViT with `overrides` on the vit-cls fixture's config. */
function vitConfig(overrides: Partial<VisionTransformerArgs> = {}): VisionTransformer['config'] {
  return new VisionTransformer({ ...(vitCls.aitjs_config as VisionTransformerArgs), ...overrides }).config;
}

/** The issues of the TimmWeightsError `fn` throws (fails if it throws nothing else). */
function timmIssues(fn: () => unknown, kind: TimmWeightsError['kind']): readonly string[] {
  const e = thrownBy(fn, TimmWeightsError);
  expect(e.kind).toBe(kind);
  return e.issues;
}

describe('timm fixtures', () => {
  it('come from the pinned timm commit, and each file is small', () => {
    expect(timmInfo.timm_commit).toBe('aa4b5850c1543fa488abf260f18390eda46cf85d');
    expect(timmInfo.torch_version).toMatch(/^\d+\.\d+/);
    expect(Object.keys(timmInfo.variants).sort()).toEqual([...TIMM_VARIANTS].sort());
    for (const v of TIMM_VARIANTS) {
      for (const f of [`${v}.weights.safetensors`, `${v}.io.safetensors`]) expect(timmFileBytes(f).length, f).toBeLessThan(150_000);
    }
  });
});

describe.each(TIMM_VARIANTS)('timm weights (%s) in AiT.js', (variant) => {
  const v = timmInfo.variants[variant] as TimmVariantInfo;
  const io = timmTensors(`${variant}.io.safetensors`);

  it("give timm's logits (evaluation) within 1e-5 relative, without leaking tensors", () => {
    const before = tf.memory().numTensors;
    const model = timmVariantModel(variant);
    loadTimmSafetensors(model, timmFileBytes(`${variant}.weights.safetensors`), { source: `${variant}.weights.safetensors` });
    expect(logitsError(model, io, fixtureTensor(io, 'logits'))).toBeLessThan(RELATIVE_TOLERANCE);
    release(model);
    expect(tf.memory().numTensors).toBe(before);
  });

  it('the map names the timm constructor arguments the fixture was built with', () => {
    const model = timmVariantModel(variant);
    const map = model instanceof VisionTransformer ? timmVitWeightMap(model.config) : timmMixerWeightMap(model.config);
    expect(map.timmModel).toBe(v.timm_model);
    expect(map.timmArgs).toEqual(v.timm_args);
    expect(map.layerNormEpsilon).toBe(v.layer_norm_eps);
    expect(map.embedNorm).toBe(v.embed_norm);
    // the map covers every tensor of timm's state_dict
    expect(map.pairs.map((p) => p.timm).sort()).toEqual([...timmTensors(`${variant}.weights.safetensors`).keys()].sort());
  });

  it('round trip timm -> AiT.js -> timm bit-exactly, and the export loads back', async () => {
    const timm = timmTensors(`${variant}.weights.safetensors`);
    const model = timmVariantModel(variant);
    loadTimmSafetensors(model, timm);
    const bytes = await toTimmSafetensors(model);
    const back = decodeSafetensors(bytes, 'export');
    expect(back.metadata.timm_model).toBe(v.timm_model);
    expect(JSON.parse(back.metadata.timm_args as string)).toEqual(v.timm_args);
    expect(Number(back.metadata.layer_norm_eps)).toBe(v.layer_norm_eps);
    expectSameTensors(back.tensors, timm);
    release(model);
  });

  it('the rename functions agree with the loader, with and without a DataParallel "module." prefix', () => {
    const timm = timmTensors(`${variant}.weights.safetensors`);
    const model = timmVariantModel(variant);
    loadTimmSafetensors(model, new Map([...timm].map(([n, t]) => [`module.${n}`, t])));
    const prefix = `${model.name}/`;
    const named =
      model instanceof VisionTransformer
        ? timmVitToAitJs(timm, model.config, { prefix })
        : timmMixerToAitJs(timm, (model as MlpMixer).config, { prefix });
    expectBitExact(valuesByName(named), weightValues(model));
    const again =
      model instanceof VisionTransformer ? aitJsToTimmVit(named, model.config) : aitJsToTimmMixer(named, (model as MlpMixer).config);
    expectSameTensors(again, timm);
    release(model);
  });
});

describe('the patch embedding layout', () => {
  it("maps timm's convolution weight [D, C, P, P] to the kernel [(row * P + col) * C + c, D]", () => {
    const timm = timmTensors('vit-cls.weights.safetensors');
    const conv = fixtureTensor(timm, 'patch_embed.proj.weight');
    const [d, c, p] = conv.shape as [number, number, number, number];
    const kernel = fixtureTensor(timmVitToAitJs(timm, vitConfig()), 'vit/patch_embed/proj/kernel');
    expect(kernel.shape).toEqual([p * p * c, d]);
    // one element by hand: output 5, channel 2, row 1, column 3
    const at = ((5 * c + 2) * p + 1) * p + 3;
    expect(kernel.values[((1 * p + 3) * c + 2) * d + 5]).toBe(conv.values[at]);
  });
});

describe('refusals', () => {
  it("refuse the AiT reference ViT's defaults, naming every option that differs from timm", () => {
    const config = new VisionTransformer({
      imageSize: 16,
      patchSize: 4,
      dim: 24,
      numHeads: 3,
      headDim: 16,
      mlpDim: 48,
      depth: 1,
      head: 'flatten',
      positionEmbedding: 'sincos',
      convStem: [4],
    }).config;
    const issues = timmIssues(() => timmVitWeightMap(config), 'unsupported-config');
    expect(issues).toHaveLength(5);
    expect(issues[0]).toMatch(/^patchPreNorm: .*patchPreNorm: false/);
    expect(issues[1]).toMatch(/^head 'flatten'/);
    expect(issues[2]).toMatch(/^convStem: .*use convStem: \[\]/);
    expect(issues[3]).toMatch(/^positionEmbedding 'sincos'/);
    expect(issues[4]).toMatch(/^headDim 16 .*set headDim: 8/);
  });

  it('refuse an MLP-Mixer without a fixed image size or channel count', () => {
    const base = mixerInfo.aitjs_config as unknown as MlpMixerArgs;
    const config: TimmMixerConfig = { ...new MlpMixer(base).config, imageSize: null, channels: null };
    const issues = timmIssues(() => timmMixerWeightMap(config), 'unsupported-config');
    expect(issues.map((i) => i.split(':')[0])).toEqual(['imageSize', 'channels']);
  });

  it('refuse a file built with other timm options, naming the AiT.js option to set, and leave the model as it was', () => {
    const timm = timmTensors('vit-cls.weights.safetensors');
    // vit-cls has QKV biases, a CLS token and a position table; a model without them must refuse it
    const model = new VisionTransformer({
      ...(vitCls.aitjs_config as VisionTransformerArgs),
      qkvBias: false,
      head: 'mean',
      positionEmbedding: 'none',
    });
    const issues = timmIssues(() => loadTimmSafetensors(model, timm), 'mismatch');
    expect(issues.join('\n')).toContain('build the model with qkvBias: true');
    expect(issues.join('\n')).toContain("build the model with head: 'cls'");
    expect(issues.join('\n')).toContain("build the model with positionEmbedding: 'learned'");
    expect(model.built).toBe(false);
  });

  it('refuse timm features AiT.js does not have (layer scale, register tokens)', () => {
    const timm = timmTensors('vit-cls.weights.safetensors');
    const extra = new Map(timm);
    extra.set('blocks.0.ls1.gamma', { dtype: 'float32', shape: [24], values: new Float32Array(24) });
    extra.set('reg_token', { dtype: 'float32', shape: [1, 4, 24], values: new Float32Array(96) });
    const issues = timmIssues(() => timmVitToAitJs(extra, vitConfig()), 'mismatch');
    expect(issues.join('\n')).toMatch(/layer scale \(timm init_values\)/);
    expect(issues.join('\n')).toMatch(/register tokens/);
  });

  it("refuse a file whose metadata records another LayerNorm epsilon than the model's", () => {
    const { tensors, metadata } = decodeSafetensors(timmFileBytes('vit-cls.weights.safetensors'), 'vit-cls');
    expect(metadata.layer_norm_eps).toBe('1e-06');
    const model = new VisionTransformer({ ...(vitCls.aitjs_config as VisionTransformerArgs), layerNormEpsilon: 1e-5 });
    const issues = timmIssues(() => loadTimmSafetensors(model, timmFileBytes('vit-cls.weights.safetensors')), 'unsupported-config');
    expect(issues[0]).toContain('layerNormEpsilon: 1e-06');
    // the same tensors without metadata cannot be checked, and load
    const bare = encodeSafetensors(Object.fromEntries(tensors) as Record<string, TensorValues>);
    loadTimmSafetensors(model, bare);
    expect(model.built).toBe(true);
    release(model);
  });

  it('refuse to export a model that is not built', async () => {
    const model = timmVariantModel('mixer');
    await expect(toTimmSafetensors(model)).rejects.toThrow(/not built/);
  });

  it('the official ViT map refuses the timm-only ViT options', () => {
    expect(() => officialVitWeightMap(vitConfig())).toThrow(OfficialWeightsError);
    expect(() => officialVitWeightMap(vitConfig())).toThrow(/patchPreNorm.*\n.*qkvBias.*\n.*layerNormEpsilon 0.000001/s);
  });
});
