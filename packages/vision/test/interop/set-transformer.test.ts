// SetTransformer against the reference set_transformer code (juho-lee/set_transformer): the
// fixtures in test/fixtures/set-transformer/ come from
// scripts/reference/make-set-transformer-fixture.py (the reference modules run at a tiny size with
// torch, in float64, behind the script's patch embedding `embed`). CI has no Python: this test reads
// only the committed files. Logits (two passes) and the gradients of every weight and of the images
// are compared within 1e-5 relative; then the map's refusals, round trips and tensor leaks.
import * as tf from '@tensorflow/tfjs-core';
import { decodeSafetensors, setGlobalSeed } from '@ait/core';
import { describe, expect, it } from 'vitest';
import {
  aitJsToSetTransformerReference,
  loadSetTransformerReferenceSafetensors,
  officialToAitLayout,
  SET_TRANSFORMER_REFERENCE_COMMIT,
  SetTransformer,
  setTransformerReferenceToAitJs,
  setTransformerWeightMap,
  toSetTransformerReferenceSafetensors,
  type SetTransformerArgs,
} from '../../src/index';
import { useBackend } from '../helpers/backend';
import { expectReferenceGradients, expectSameTensors, fixtureTensor, maxAbs, referenceFixtureFiles } from './reference-fixture';
import {
  buildOnPassImages,
  expectReferenceLogits,
  expectRefusedConfigs,
  expectSameWeights,
  gradientCounterparts,
  refusal,
  variantFiles,
} from './reference-checks';

interface VariantInfo {
  config: {
    image_size: number;
    patch_size: number;
    channels: number;
    classes: number;
    dim: number;
    heads: number;
    inducing_points: number | null;
    encoder_layers: number;
    seeds: number;
    decoder_layers: number;
    ln: boolean;
    dropout: number;
    batch: number;
  };
  state_dict_entries: number;
  no_gradient: string[];
  max_logit_change_when_patches_are_permuted: number;
}

interface FixtureInfo {
  reference_commit: string;
  torch_version: string;
  variants: Record<string, VariantInfo>;
}

const fixture = referenceFixtureFiles('set-transformer');
const info = fixture.info<FixtureInfo>();
const VARIANTS = ['pointcloud', 'sab-ln'] as const;

/** SetTransformer options matching a fixture's reference config. */
function argsOf(v: VariantInfo, overrides: Partial<SetTransformerArgs> = {}): SetTransformerArgs {
  const c = v.config;
  return {
    classes: c.classes,
    imageSize: c.image_size,
    channels: c.channels,
    patchSize: c.patch_size,
    dim: c.dim,
    heads: c.heads,
    encoderLayers: c.encoder_layers,
    inducingPoints: c.inducing_points,
    seeds: c.seeds,
    decoderLayers: c.decoder_layers,
    layerNorm: c.ln,
    positionEmbedding: 'none',
    dropout: c.dropout,
    ...overrides,
  };
}

useBackend('cpu');

describe('reference set_transformer fixtures', () => {
  it('come from the pinned reference commit, and the reference is permutation invariant', () => {
    expect(info.reference_commit).toBe(SET_TRANSFORMER_REFERENCE_COMMIT);
    expect(info.torch_version).toMatch(/^\d+\.\d+/);
    expect(Object.keys(info.variants).sort()).toEqual([...VARIANTS].sort());
    for (const v of Object.values(info.variants)) {
      expect(v.no_gradient).toEqual([]);
      expect(v.max_logit_change_when_patches_are_permuted).toBeLessThan(1e-12);
    }
  });
});

describe.each(VARIANTS)('reference set_transformer weights (%s) in AiT.js', (variant) => {
  const v = info.variants[variant] as VariantInfo;
  const { io, weights, source } = variantFiles(fixture, variant);

  it('give the reference logits on two batches, and leak no tensors', () => {
    const model = new SetTransformer(argsOf(v));
    loadSetTransformerReferenceSafetensors(model, weights(), { source });
    expectReferenceLogits(model, io, [false, false]);
    model.dispose();
  });

  it('give the reference gradients of every weight and of the images', () => {
    const model = new SetTransformer(argsOf(v));
    loadSetTransformerReferenceSafetensors(model, weights());
    const before = tf.memory().numTensors;
    // Only gradients that are zero in exact arithmetic may be compared relative to 1 % of the
    // largest gradient (the float64 reference gives below 1e-12 of the largest gradient; AiT.js's
    // float32 gives rounding noise): every key bias fc_k.bias (a softmax does not change when the
    // same q.b is added to all its logits), and the key weights of the decoder SABs, which attend
    // over the one pooled seed (a softmax over one logit is 1 whatever the key).
    const exactlyZero = (n: string): boolean => n.endsWith('fc_k.bias') || /^dec\.([2-9]|\d\d+)\.mab\.fc_k\.weight$/.test(n);
    const { compared, referenceGradNames, largest } = expectReferenceGradients({
      model,
      io,
      anchor: 'patch_embed/proj/kernel',
      counterparts: gradientCounterparts(
        setTransformerWeightMap(model.config).pairs,
        (p) => p.official,
        (g, p) => officialToAitLayout(g, p.layout, p.aitjsShape),
      ),
      imagesName: `set-transformer-images-${variant}`,
      training: false,
      zeroInTheory: exactlyZero,
    });
    for (const n of referenceGradNames.filter((k) => exactlyZero(k.slice('pass1.grad.'.length)))) {
      expect(maxAbs(fixtureTensor(io, n).values), n).toBeLessThan(1e-12 * largest);
    }
    expect(compared.length).toBe(v.state_dict_entries);
    expect(tf.memory().numTensors).toBe(before);
    model.dispose();
  });

  it('round trip reference -> AiT.js -> reference bit-exactly', () => {
    const reference = fixture.tensors(`${variant}.weights.safetensors`);
    const model = new SetTransformer(argsOf(v));
    const back = aitJsToSetTransformerReference(setTransformerReferenceToAitJs(reference, model.config), model.config, { prefix: '' });
    expectSameTensors(back, reference);
  });
});

describe('AiT.js -> reference -> AiT.js', () => {
  it('is bit-exact, and the file has every reference entry', async () => {
    const v = info.variants.pointcloud as VariantInfo;
    setGlobalSeed(5);
    const model = new SetTransformer(argsOf(v));
    buildOnPassImages(model, fixture.tensors('pointcloud.io.safetensors'));
    const bytes = await toSetTransformerReferenceSafetensors(model);
    const file = decodeSafetensors(bytes, 'exported');
    expect(file.metadata.reference_commit).toBe(SET_TRANSFORMER_REFERENCE_COMMIT);
    expect([...file.tensors.keys()].sort()).toEqual([...fixture.tensors('pointcloud.weights.safetensors').keys()].sort());
    expect(file.tensors.get('enc.0.I')?.shape).toEqual([1, 4, 16]);
    setGlobalSeed(6);
    const copy = new SetTransformer({ ...argsOf(v), name: 'copy' });
    loadSetTransformerReferenceSafetensors(copy, bytes);
    expectSameWeights(copy, model, 'patch_embed/proj/kernel');
    model.dispose();
    copy.dispose();
  });
});

describe('configs and files the map refuses', () => {
  const v = info.variants.pointcloud as VariantInfo;

  it('refuses configs with no reference counterpart, naming the option, and changes nothing', () => {
    expectRefusedConfigs<SetTransformerArgs, SetTransformer>(
      [
        [{ positionEmbedding: 'learned' }, /positionEmbedding 'learned'.*positionEmbedding: 'none'/],
        [{ seeds: 2 }, /seeds 2: .*use seeds: 1/],
        [{ imageSize: null }, /imageSize or channels null/],
      ],
      (overrides) => new SetTransformer(argsOf(v, overrides)),
      (model) => loadSetTransformerReferenceSafetensors(model, fixture.bytes('pointcloud.weights.safetensors')),
    );
  });

  it('names every problem of a file that does not fit the config', () => {
    // The point-cloud file has no LayerNorms and ISABs; a SAB encoder with LayerNorms does not fit it.
    const model = new SetTransformer(argsOf(v, { layerNorm: true, inducingPoints: null }));
    const e = refusal(() => loadSetTransformerReferenceSafetensors(model, fixture.bytes('pointcloud.weights.safetensors')));
    expect(e.kind).toBe('mismatch');
    expect(e.message).toMatch(/missing: .*enc\.0\.mab\.fc_q\.weight/);
    expect(e.message).toMatch(/not in the official model of this config: .*enc\.0\.I/);
    expect(model.built).toBe(false);
    const wider = new SetTransformer(argsOf(v, { inducingPoints: 5 }));
    expect(refusal(() => loadSetTransformerReferenceSafetensors(wider, fixture.bytes('pointcloud.weights.safetensors'))).message).toMatch(
      /"enc\.0\.I" has shape \[1, 4, 16\]; this config needs \[1, 5, 16\]/,
    );
  });

  it('maps the decoder SABs after the PMA and the head after the second dropout', () => {
    const sab = info.variants['sab-ln'] as VariantInfo;
    const model = new SetTransformer(argsOf(sab));
    const names = setTransformerWeightMap(model.config).pairs.map((p) => p.official);
    expect(names).toContain('dec.1.S');
    expect(names).toContain('dec.2.mab.ln1.bias');
    expect(names).toContain('dec.4.weight');
    expect(names.filter((n) => n.startsWith('dec.3.'))).toEqual([]);
  });
});
