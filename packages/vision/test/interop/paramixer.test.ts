// ParallelMlpMixer against the authors' paramixer code (Toshihiro-Ota/paramixer): the fixtures in
// test/fixtures/paramixer/ come from scripts/reference/make-paramixer-fixture.py (the authors'
// MlpMixer with pMixerBlock and sMlp / aMlp / vMlp run at a tiny size with torch in float64; see
// the script for the timm stand-in). CI has no Python: this test reads only the committed files.
// With normGain 'perEntry' (the authors' nn.LayerNorm((N, C))), logits (two batches) and the
// gradients of every weight and of the images are compared within 1e-5 relative, for the
// symmetric, symmetry-breaking and free variants; then the symmetry penalty, the map's refusals
// (normGain 'scalar' among them), round trips and tensor leaks.
import * as tf from '@tensorflow/tfjs-core';
import { decodeSafetensors, setGlobalSeed } from '@ait/core';
import { describe, expect, it } from 'vitest';
import {
  aitJsToParamixer,
  loadParamixerSafetensors,
  PARAMIXER_REFERENCE_COMMIT,
  ParallelMlpMixer,
  paramixerToAitJs,
  paramixerToAitLayout,
  paramixerWeightMap,
  toParamixerSafetensors,
  type ParallelMlpMixerArgs,
} from '../../src/index';
import { useBackend } from '../helpers/backend';
import { expectReferenceGradients, expectSameTensors, referenceFixtureFiles } from './reference-fixture';
import {
  buildOnPassImages,
  expectReferenceLogits,
  expectRefusedConfigs,
  expectSameWeights,
  gradientCounterparts,
  passLogitsError,
  refusal,
  variantFiles,
} from './reference-checks';

interface VariantInfo {
  config: {
    img_size: number;
    patch_size: number;
    in_chans: number;
    num_classes: number;
    embed_dim: number;
    num_blocks: number;
    mlp_layer: 'sMlp' | 'aMlp' | 'vMlp';
    n_iter: number;
    lcoeff: number;
    batch: number;
  };
  tokens: number;
  token_hidden: number;
  channel_hidden: number;
  block_norm_eps: number;
  final_norm_eps: number;
  state_dict_entries: number;
  no_gradient: string[];
  reg_weight2: number | null;
}

interface FixtureInfo {
  reference_commit: string;
  torch_version: string;
  variants: Record<string, VariantInfo>;
}

const fixture = referenceFixtureFiles('paramixer');
const info = fixture.info<FixtureInfo>();
const VARIANT_OF = { sMlp: 'symmetric', aMlp: 'symmetryBreaking', vMlp: 'free' } as const;
const FIXTURE_NAMES = ['symmetric', 'breaking', 'free'] as const;

/** ParallelMlpMixer options matching a fixture's config (the authors' per-entry layer-norm gain). */
function argsOf(v: VariantInfo, overrides: Partial<ParallelMlpMixerArgs> = {}): ParallelMlpMixerArgs {
  const c = v.config;
  return {
    classes: c.num_classes,
    imageSize: c.img_size,
    channels: c.in_chans,
    patchSize: c.patch_size,
    dim: c.embed_dim,
    depth: c.num_blocks,
    tokenMlpDim: v.token_hidden,
    channelMlpDim: v.channel_hidden,
    variant: VARIANT_OF[c.mlp_layer],
    symmetryPenalty: c.lcoeff,
    nIter: c.n_iter,
    useBias: false,
    epsilon: v.block_norm_eps,
    normGain: 'perEntry',
    ...overrides,
  };
}

useBackend('cpu');

describe('paramixer fixtures', () => {
  it("come from the pinned commit, with the authors' layer-norm eps and every parameter getting a gradient", () => {
    expect(info.reference_commit).toBe(PARAMIXER_REFERENCE_COMMIT);
    expect(info.torch_version).toMatch(/^\d+\.\d+/);
    expect(Object.keys(info.variants).sort()).toEqual([...FIXTURE_NAMES].sort());
    for (const v of Object.values(info.variants)) {
      expect(v.block_norm_eps).toBe(1e-6);
      expect(v.final_norm_eps).toBe(1e-6);
      expect(v.no_gradient).toEqual([]);
    }
  });
});

describe.each(FIXTURE_NAMES)("the authors' paramixer weights (%s) in AiT.js with normGain 'perEntry'", (name) => {
  const v = info.variants[name] as VariantInfo;
  const { io, weights, source } = variantFiles(fixture, name);

  it('give the reference logits on two batches, and leak no tensors', () => {
    const model = new ParallelMlpMixer(argsOf(v));
    loadParamixerSafetensors(model, weights(), { source });
    expectReferenceLogits(model, io, [true, false]);
    model.dispose();
  });

  it('give the reference gradients of every weight and of the images', () => {
    const model = new ParallelMlpMixer(argsOf(v));
    loadParamixerSafetensors(model, weights());
    const before = tf.memory().numTensors;
    // The task loss only: the symmetry penalty is the training script's separate term (checked below).
    const { compared } = expectReferenceGradients({
      model,
      io,
      anchor: 'stem/proj/kernel',
      counterparts: gradientCounterparts(
        paramixerWeightMap(model.config).pairs,
        (p) => p.reference,
        (g, p) => paramixerToAitLayout(g, p.layout, p.aitjsShape),
      ),
      imagesName: `paramixer-images-${name}`,
      training: true,
    });
    expect(compared.length).toBe(v.state_dict_entries);
    expect(tf.memory().numTensors).toBe(before);
    model.dispose();
  });

  it('round trip paramixer -> AiT.js -> paramixer bit-exactly', () => {
    const reference = fixture.tensors(`${name}.weights.safetensors`);
    const model = new ParallelMlpMixer(argsOf(v));
    const back = aitJsToParamixer(paramixerToAitJs(reference, model.config), model.config, { prefix: '' });
    expectSameTensors(back, reference);
  });
});

describe('the symmetry-breaking penalty', () => {
  it("is the training script's reg_weight2 (lambda times the squared norms of the W2s)", () => {
    const v = info.variants.breaking as VariantInfo;
    const model = new ParallelMlpMixer(argsOf(v));
    loadParamixerSafetensors(model, fixture.bytes('breaking.weights.safetensors'));
    const penalty = model.symmetryPenaltyLoss();
    expect(Math.abs((penalty.dataSync()[0] as number) - (v.reg_weight2 as number))).toBeLessThan(1e-5 * (v.reg_weight2 as number));
    expect(v.reg_weight2).toBeGreaterThan(0.1);
    penalty.dispose();
    model.dispose();
  });
});

describe('AiT.js -> paramixer -> AiT.js', () => {
  it('is bit-exact, and the file has every entry of the authors’ state_dict', async () => {
    const v = info.variants.free as VariantInfo;
    setGlobalSeed(5);
    const model = new ParallelMlpMixer(argsOf(v));
    buildOnPassImages(model, fixture.tensors('free.io.safetensors'));
    const bytes = await toParamixerSafetensors(model);
    const file = decodeSafetensors(bytes, 'exported');
    expect(file.metadata.reference_commit).toBe(PARAMIXER_REFERENCE_COMMIT);
    expect([...file.tensors.keys()].sort()).toEqual([...fixture.tensors('free.weights.safetensors').keys()].sort());
    expect(file.tensors.get('stem.proj.weight')?.shape).toEqual([12, 3, 2, 2]);
    setGlobalSeed(6);
    const copy = new ParallelMlpMixer({ ...argsOf(v), name: 'copy' });
    loadParamixerSafetensors(copy, bytes);
    expectSameWeights(copy, model, 'stem/proj/kernel');
    model.dispose();
    copy.dispose();
  });
});

describe('configs and files the map refuses', () => {
  const v = info.variants.symmetric as VariantInfo;
  const weights = (): Uint8Array => fixture.bytes('symmetric.weights.safetensors');

  it("refuses normGain 'scalar' (the default), biases and open sizes whatever strict says, and changes nothing", () => {
    expectRefusedConfigs<ParallelMlpMixerArgs, ParallelMlpMixer>(
      [
        [{ normGain: 'scalar' }, /normGain 'scalar': .*nn\.LayerNorm\(\(N, C\)\).*normGain: 'perEntry'/],
        [{ useBias: true }, /useBias true: .*useBias: false/],
        [{ imageSize: null }, /imageSize or channels null/],
      ],
      (overrides) => new ParallelMlpMixer(argsOf(v, overrides)),
      (model) => loadParamixerSafetensors(model, weights(), { strict: false }),
    );
  });

  it('refuses a step size or epsilon the authors do not use unless strict is false, and then they change the logits', () => {
    const io = fixture.tensors('symmetric.io.safetensors');
    const model = new ParallelMlpMixer(argsOf(v, { stepSize: 0.5, epsilon: 1e-5 }));
    const e = refusal(() => loadParamixerSafetensors(model, weights()));
    expect(e.kind).toBe('unsupported-config');
    expect(e.message).toMatch(/stepSize 0\.5: .*use stepSize: 1/);
    expect(e.message).toMatch(/epsilon 0\.00001: .*use epsilon: 0\.000001/);
    loadParamixerSafetensors(model, weights(), { strict: false });
    expect(passLogitsError(model, io, 1, false)).toBeGreaterThan(1e-3);
    model.dispose();
  });

  it('names every problem of a file of another variant or size', () => {
    const model = new ParallelMlpMixer(argsOf(v, { variant: 'free', channelMlpDim: 24 }));
    const e = refusal(() => loadParamixerSafetensors(model, weights()));
    expect(e.kind).toBe('mismatch');
    expect(e.message).toMatch(/"blocks\.0\.mlp_channels\.fc2\.weight" has shape \[48, 12\]; this config needs \[12, 24\]/);
    expect(e.message).toMatch(/missing: .*blocks\.0\.mlp_tokens\.fc1\.weight/);
    expect(e.message).toMatch(/variant: 'symmetric'/);
    expect(model.built).toBe(false);
  });
});
