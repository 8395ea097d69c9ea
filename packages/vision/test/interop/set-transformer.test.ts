// SetTransformer against the reference set_transformer code (juho-lee/set_transformer): the
// fixtures in test/fixtures/set-transformer/ come from
// scripts/reference/make-set-transformer-fixture.py (the reference modules run at a tiny size with
// torch, in float64, behind the script's patch embedding `embed`). CI has no Python: this test reads
// only the committed files. Logits (two passes) and the gradients of every weight and of the images
// are compared within 1e-5 relative; then the map's refusals, round trips and tensor leaks.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as tf from '@tensorflow/tfjs-core';
import { decodeSafetensors, namedWeights, setGlobalSeed, type TensorValues } from '@ait/core';
import { describe, expect, it } from 'vitest';
import {
  aitJsToSetTransformerReference,
  loadSetTransformerReferenceSafetensors,
  officialToAitLayout,
  OfficialWeightsError,
  SET_TRANSFORMER_REFERENCE_COMMIT,
  SetTransformer,
  setTransformerReferenceToAitJs,
  setTransformerWeightMap,
  toSetTransformerReferenceSafetensors,
  type SetTransformerArgs,
} from '../../src/index';
import { useBackend } from '../helpers/backend';

const FIXTURES = fileURLToPath(new URL('../fixtures/set-transformer/', import.meta.url));
/** Largest difference allowed, relative to the largest magnitude of the reference tensor. */
const RELATIVE_TOLERANCE = 1e-5;

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

const info = JSON.parse(readFileSync(join(FIXTURES, 'fixture.json'), 'utf8')) as FixtureInfo;
const VARIANTS = ['pointcloud', 'sab-ln'] as const;

function fileBytes(name: string): Uint8Array {
  return new Uint8Array(readFileSync(join(FIXTURES, name)));
}

function tensorsOf(name: string): Map<string, TensorValues> {
  return decodeSafetensors(fileBytes(name), name).tensors;
}

function get(tensors: ReadonlyMap<string, TensorValues>, name: string): TensorValues {
  const t = tensors.get(name);
  if (!t) throw new Error(`fixture tensor "${name}" is missing`);
  return t;
}

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

/** The reference NCHW images as AiT.js's NHWC. */
function nhwc(t: TensorValues): tf.Tensor4D {
  return tf.tidy(() => tf.transpose(tf.tensor4d(t.values, t.shape as [number, number, number, number], 'float32'), [0, 2, 3, 1]));
}

function maxDifference(got: ArrayLike<number>, want: TensorValues): number {
  expect(got.length).toBe(want.values.length);
  let diff = 0;
  for (let i = 0; i < got.length; i++) diff = Math.max(diff, Math.abs((got[i] as number) - (want.values[i] as number)));
  return diff;
}

function maxAbs(x: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < x.length; i++) m = Math.max(m, Math.abs(x[i] as number));
  return m;
}

/** Largest |got - want| divided by the largest |want|. */
function relativeError(got: ArrayLike<number>, want: TensorValues): number {
  return maxDifference(got, want) / maxAbs(want.values);
}

/** Relative error of the logits of `model` on the fixture's pass `p` images. */
function logitsError(model: SetTransformer, io: ReadonlyMap<string, TensorValues>, p: number): number {
  return tf.tidy(() =>
    relativeError((model.apply(nhwc(get(io, `pass${p}.images`)), { training: false }) as tf.Tensor).dataSync(), get(io, `pass${p}.logits`)),
  );
}

function prefixOf(model: SetTransformer): string {
  const anchor = [...namedWeights(model).keys()].find((n) => n.endsWith('patch_embed/proj/kernel')) as string;
  return anchor.slice(0, anchor.length - 'patch_embed/proj/kernel'.length);
}

function weightValues(model: SetTransformer): Map<string, Float32Array> {
  return new Map([...namedWeights(model)].map(([n, w]) => [n, w.read().dataSync() as Float32Array]));
}

function expectBitExact(a: ReadonlyMap<string, ArrayLike<number>>, b: ReadonlyMap<string, ArrayLike<number>>): void {
  expect([...a.keys()].sort()).toEqual([...b.keys()].sort());
  for (const [name, values] of a) {
    const other = b.get(name) as ArrayLike<number>;
    expect(other.length, name).toBe(values.length);
    let same = true;
    for (let i = 0; i < values.length; i++) if (!Object.is(values[i], other[i])) same = false;
    expect(same, `${name} is bit-exact`).toBe(true);
  }
}

function refusal(fn: () => unknown): OfficialWeightsError {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(OfficialWeightsError);
    return e as OfficialWeightsError;
  }
  throw new Error('expected an OfficialWeightsError');
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
  const io = tensorsOf(`${variant}.io.safetensors`);
  const weights = (): Uint8Array => fileBytes(`${variant}.weights.safetensors`);

  it('give the reference logits on two batches, and leak no tensors', () => {
    const model = new SetTransformer(argsOf(v));
    loadSetTransformerReferenceSafetensors(model, weights(), { source: `${variant}.weights.safetensors` });
    const before = tf.memory().numTensors;
    expect(logitsError(model, io, 1), 'pass 1 logits').toBeLessThan(RELATIVE_TOLERANCE);
    expect(logitsError(model, io, 2), 'pass 2 logits').toBeLessThan(RELATIVE_TOLERANCE);
    expect(tf.memory().numTensors).toBe(before);
    model.dispose();
  });

  it('give the reference gradients of every weight and of the images', () => {
    const model = new SetTransformer(argsOf(v));
    loadSetTransformerReferenceSafetensors(model, weights());
    const before = tf.memory().numTensors;
    const start = nhwc(get(io, 'pass1.images'));
    const images = tf.variable(start, true, `set-transformer-images-${variant}`);
    start.dispose();
    const lw = get(io, 'pass1.loss_weights');
    const lossWeights = tf.tensor(lw.values, [...lw.shape], 'float32');
    const vars = model.trainableWeights.map((w) => w.read() as tf.Variable);
    const { value, grads } = tf.variableGrads(
      () => tf.sum(tf.mul(model.apply(images, { training: false }) as tf.Tensor, lossWeights)) as tf.Scalar,
      [...vars, images],
    );
    const prefix = prefixOf(model);
    const byName = new Map(setTransformerWeightMap(model.config).pairs.map((p) => [`${prefix}${p.aitjs}`, p]));
    const referenceGradNames = [...io.keys()].filter((k) => k.startsWith('pass1.grad.') && k !== 'pass1.grad.images');
    const largest = Math.max(...referenceGradNames.map((k) => maxAbs(get(io, k).values)));
    const compared: string[] = [];
    const belowOwnPrecision: string[] = [];
    for (const w of model.trainableWeights) {
      const pair = byName.get(w.originalName);
      expect(pair, `${w.originalName} has a reference counterpart`).toBeDefined();
      if (!pair) continue;
      const want = officialToAitLayout(get(io, `pass1.grad.${pair.official}`), pair.layout, pair.aitjsShape);
      const got = (grads[(w.read() as tf.Variable).name] as tf.Tensor).dataSync();
      compared.push(pair.official);
      if (relativeError(got, want) < RELATIVE_TOLERANCE) continue;
      belowOwnPrecision.push(pair.official);
      // A gradient that is zero in exact arithmetic is float32 rounding here: compared relative to
      // 1 % of the largest gradient (see the key biases below).
      expect(maxDifference(got, want) / Math.max(maxAbs(want.values), 0.01 * largest), `gradient of ${pair.official}`).toBeLessThan(
        RELATIVE_TOLERANCE,
      );
    }
    // Only gradients that are zero in exact arithmetic may need that (the float64 reference gives
    // below 1e-12 of the largest gradient; AiT.js's float32 gives rounding noise): every key bias
    // fc_k.bias (a softmax does not change when the same q.b is added to all its logits), and the
    // key weights of the decoder SABs, which attend over the one pooled seed (a softmax over one
    // logit is 1 whatever the key).
    const exactlyZero = (n: string): boolean => n.endsWith('fc_k.bias') || /^dec\.([2-9]|\d\d+)\.mab\.fc_k\.weight$/.test(n);
    expect(belowOwnPrecision.every(exactlyZero), belowOwnPrecision.join(', ')).toBe(true);
    for (const n of referenceGradNames.filter((k) => exactlyZero(k.slice('pass1.grad.'.length)))) {
      expect(maxAbs(get(io, n).values), n).toBeLessThan(1e-12 * largest);
    }
    expect(compared.sort()).toEqual(referenceGradNames.map((k) => k.slice('pass1.grad.'.length)).sort());
    expect(compared.length).toBe(v.state_dict_entries);
    const imageGrad = tf.tidy(() => tf.transpose(grads[images.name] as tf.Tensor, [0, 3, 1, 2]).dataSync());
    expect(relativeError(imageGrad, get(io, 'pass1.grad.images')), 'gradient of the images').toBeLessThan(RELATIVE_TOLERANCE);
    tf.dispose([value, images, lossWeights, ...Object.values(grads)]);
    expect(tf.memory().numTensors).toBe(before);
    model.dispose();
  });

  it('round trip reference -> AiT.js -> reference bit-exactly', () => {
    const reference = tensorsOf(`${variant}.weights.safetensors`);
    const model = new SetTransformer(argsOf(v));
    const back = aitJsToSetTransformerReference(setTransformerReferenceToAitJs(reference, model.config), model.config, { prefix: '' });
    expectBitExact(new Map([...back].map(([n, t]) => [n, t.values])), new Map([...reference].map(([n, t]) => [n, t.values])));
    for (const [n, t] of reference) expect(back.get(n)?.shape, n).toEqual(t.shape);
  });
});

describe('AiT.js -> reference -> AiT.js', () => {
  it('is bit-exact, and the file has every reference entry', async () => {
    const v = info.variants.pointcloud as VariantInfo;
    setGlobalSeed(5);
    const model = new SetTransformer(argsOf(v));
    const x = nhwc(get(tensorsOf('pointcloud.io.safetensors'), 'pass1.images'));
    (model.apply(x) as tf.Tensor).dispose();
    x.dispose();
    const bytes = await toSetTransformerReferenceSafetensors(model);
    const file = decodeSafetensors(bytes, 'exported');
    expect(file.metadata.reference_commit).toBe(SET_TRANSFORMER_REFERENCE_COMMIT);
    expect([...file.tensors.keys()].sort()).toEqual([...tensorsOf('pointcloud.weights.safetensors').keys()].sort());
    expect(file.tensors.get('enc.0.I')?.shape).toEqual([1, 4, 16]);
    setGlobalSeed(6);
    const copy = new SetTransformer({ ...argsOf(v), name: 'copy' });
    loadSetTransformerReferenceSafetensors(copy, bytes);
    const [from, to] = [prefixOf(copy), prefixOf(model)];
    expectBitExact(new Map([...weightValues(copy)].map(([n, w]) => [to + n.slice(from.length), w])), weightValues(model));
    model.dispose();
    copy.dispose();
  });
});

describe('configs and files the map refuses', () => {
  const v = info.variants.pointcloud as VariantInfo;

  it('refuses configs with no reference counterpart, naming the option, and changes nothing', () => {
    for (const [overrides, pattern] of [
      [{ positionEmbedding: 'learned' }, /positionEmbedding 'learned'.*positionEmbedding: 'none'/],
      [{ seeds: 2 }, /seeds 2: .*use seeds: 1/],
      [{ imageSize: null }, /imageSize or channels null/],
    ] as [Partial<SetTransformerArgs>, RegExp][]) {
      const model = new SetTransformer(argsOf(v, overrides));
      const e = refusal(() => loadSetTransformerReferenceSafetensors(model, fileBytes('pointcloud.weights.safetensors')));
      expect(e.kind).toBe('unsupported-config');
      expect(e.message).toMatch(pattern);
      expect(model.built).toBe(false);
    }
  });

  it('names every problem of a file that does not fit the config', () => {
    // The point-cloud file has no LayerNorms and ISABs; a SAB encoder with LayerNorms does not fit it.
    const model = new SetTransformer(argsOf(v, { layerNorm: true, inducingPoints: null }));
    const e = refusal(() => loadSetTransformerReferenceSafetensors(model, fileBytes('pointcloud.weights.safetensors')));
    expect(e.kind).toBe('mismatch');
    expect(e.message).toMatch(/missing: .*enc\.0\.mab\.fc_q\.weight/);
    expect(e.message).toMatch(/not in the official model of this config: .*enc\.0\.I/);
    expect(model.built).toBe(false);
    const wider = new SetTransformer(argsOf(v, { inducingPoints: 5 }));
    expect(refusal(() => loadSetTransformerReferenceSafetensors(wider, fileBytes('pointcloud.weights.safetensors'))).message).toMatch(
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
