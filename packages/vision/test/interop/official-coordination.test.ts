// Coordination against the official shared_workspace code (anirudh9119/shared_workspace): the
// fixtures in test/fixtures/official-coordination/ come from
// scripts/reference/make-official-coordination-fixture.py (the official modules run at a tiny size
// with torch; see the script for the two stand-ins). CI has no Python: this test reads only the
// committed files. Outputs (logits, the memory after the last layer, two passes) and the gradients
// of every weight and of the images are compared within 1e-5 relative; then the departures of the
// default config, the map's refusals, round trips, and the parameter counts of the zoo's presets
// against the official code's.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as tf from '@tensorflow/tfjs-core';
import {
  ConfigError,
  countParameters,
  decodeSafetensors,
  loadSafetensorsWeights,
  namedWeights,
  setGlobalSeed,
  type TensorValues,
} from '@ait/core';
import { describe, expect, it } from 'vitest';
import {
  aitJsToOfficialCoordination,
  Coordination,
  createModel,
  loadOfficialCoordinationSafetensors,
  OFFICIAL_COORDINATION_COMMIT,
  officialCoordinationToAitJs,
  officialCoordinationWeightMap,
  officialToAitLayout,
  OfficialWeightsError,
  presetParameterCount,
  sharedWorkspacePositionTable1d,
  sinusoidalPositionTable1d,
  toOfficialCoordinationSafetensors,
  type CoordinationArgs,
} from '../../src/index';
import { useBackend } from '../helpers/backend';
import { expectPresetRoundTrip } from '../helpers/model-checks';

const FIXTURES = fileURLToPath(new URL('../fixtures/official-coordination/', import.meta.url));
/** Largest difference allowed, relative to the largest magnitude of the official tensor. */
const RELATIVE_TOLERANCE = 1e-5;

interface VariantInfo {
  config: {
    image_size: number;
    patch_size: number;
    channels: number;
    num_classes: number;
    h_dim: number;
    ffn_dim: number;
    num_heads: number;
    mem_slots: number;
    num_layers: number;
    use_topk: boolean;
    topk: number;
    share_vanilla_parameters: boolean;
  };
  key_size: number;
  tokens: number;
  excluded_from_weights_file: Record<string, number[]>;
  no_gradient: string[];
  top_k_min_gaps: number[];
}

interface OfficialCount {
  run_py_count: number;
  position_weights: Record<string, number>;
  slot_gate_biases: Record<string, number>;
  without_position_weights: number;
  without_position_weights_and_slot_biases: number;
}

interface FixtureInfo {
  official_commit: string;
  torch_version: string;
  variants: Record<string, VariantInfo>;
  non_shared_layers: {
    max_difference_to_each_layer_from_initial_memory: number;
    max_difference_to_memory_carried_from_layer_to_layer: number;
  };
  parameter_counts: {
    official_coordination: Record<string, OfficialCount>;
    not_expressible: Record<string, string>;
    other_references: Record<string, { reference_count: number | null; source: string }>;
  };
}

const info = JSON.parse(readFileSync(join(FIXTURES, 'fixture.json'), 'utf8')) as FixtureInfo;

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

/** Coordination options matching a fixture's official config (the official position table and slot gate biases). */
function argsOf(v: VariantInfo, overrides: Partial<CoordinationArgs> = {}): CoordinationArgs {
  const c = v.config;
  return {
    classes: c.num_classes,
    imageSize: c.image_size,
    channels: c.channels,
    patchSize: c.patch_size,
    dim: c.h_dim,
    layers: c.num_layers,
    heads: c.num_heads,
    ffnDim: c.ffn_dim,
    slots: c.mem_slots,
    // --use_topk False keeps every token: any k of at least the number of tokens.
    topK: c.use_topk ? c.topk : v.tokens,
    keyDim: v.key_size,
    sharedParameters: c.share_vanilla_parameters,
    dropout: 0,
    positionTable: 'official',
    slotGateBias: true,
    recordMaps: true,
    ...overrides,
  };
}

/** The official NCHW images as AiT.js's NHWC. */
function nhwc(t: TensorValues): tf.Tensor4D {
  return tf.tidy(() => tf.transpose(tf.tensor4d(t.values, t.shape as [number, number, number, number], 'float32'), [0, 2, 3, 1]));
}

/** Largest |got - want|. */
function maxDifference(got: ArrayLike<number>, want: TensorValues): number {
  expect(got.length).toBe(want.values.length);
  let diff = 0;
  for (let i = 0; i < got.length; i++) diff = Math.max(diff, Math.abs((got[i] as number) - (want.values[i] as number)));
  return diff;
}

/** Largest |x|. */
function maxAbs(x: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < x.length; i++) m = Math.max(m, Math.abs(x[i] as number));
  return m;
}

/** Largest |got - want| divided by the largest |want|. */
function relativeError(got: ArrayLike<number>, want: TensorValues): number {
  return maxDifference(got, want) / maxAbs(want.values);
}

/** Logits and final memory of one pass of `model` on the fixture's pass `p` images. */
function runPass(
  model: Coordination,
  io: ReadonlyMap<string, TensorValues>,
  p: number,
  training: boolean,
): { logits: number; memory: number } {
  const x = nhwc(get(io, `pass${p}.images`));
  const logits = model.apply(x, { training }) as tf.Tensor;
  const memory = model.internalMaps()[`layer${model.config.layers - 1}/memory`] as tf.Tensor;
  const errors = {
    logits: relativeError(logits.dataSync(), get(io, `pass${p}.logits`)),
    memory: relativeError(memory.dataSync(), get(io, `pass${p}.memory`)),
  };
  tf.dispose([x, logits]);
  return errors;
}

/** The weight-name prefix of a built model (whatever precedes `patch_embed/proj/kernel`). */
function prefixOf(model: Coordination): string {
  const anchor = [...namedWeights(model).keys()].find((n) => n.endsWith('patch_embed/proj/kernel')) as string;
  return anchor.slice(0, anchor.length - 'patch_embed/proj/kernel'.length);
}

function weightValues(model: Coordination): Map<string, Float32Array> {
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

function release(model: Coordination): void {
  if (model.built) model.dispose();
}

useBackend('cpu');

describe('official shared_workspace fixtures', () => {
  it('come from the pinned official commit, with a safe top-k margin', () => {
    expect(info.official_commit).toBe(OFFICIAL_COORDINATION_COMMIT);
    expect(info.torch_version).toMatch(/^\d+\.\d+/);
    expect(Object.keys(info.variants).sort()).toEqual(['hard', 'soft']);
    // A near tie between the k-th and (k+1)-th write logit could flip the selection in float32.
    expect(Math.min(...(info.variants.hard as VariantInfo).top_k_min_gaps)).toBeGreaterThan(1e-4);
  });
});

describe.each(['hard', 'soft'])('official shared_workspace weights (%s write) in AiT.js', (variant) => {
  const v = info.variants[variant] as VariantInfo;
  const io = tensorsOf(`${variant}.io.safetensors`);
  const weights = (): Uint8Array => fileBytes(`${variant}.weights.safetensors`);

  it('give the official logits and final memory, in a training pass and then an evaluation pass', () => {
    const model = new Coordination(argsOf(v));
    expect(loadOfficialCoordinationSafetensors(model, weights(), { source: `${variant}.weights.safetensors` }).ignored).toEqual([]);
    const e1 = runPass(model, io, 1, true);
    expect(e1.logits, 'pass 1 logits').toBeLessThan(RELATIVE_TOLERANCE);
    expect(e1.memory, 'pass 1 memory').toBeLessThan(RELATIVE_TOLERANCE);
    // The official model starts every pass from the initial memory, as AiT.js does.
    const e2 = runPass(model, io, 2, false);
    expect(e2.logits, 'pass 2 logits').toBeLessThan(RELATIVE_TOLERANCE);
    expect(e2.memory, 'pass 2 memory').toBeLessThan(RELATIVE_TOLERANCE);
    release(model);
  });

  it('give the official gradients of every weight and of the images', () => {
    const model = new Coordination(argsOf(v, { recordMaps: false }));
    loadOfficialCoordinationSafetensors(model, weights());
    const start = nhwc(get(io, 'pass1.images'));
    const images = tf.variable(start, true, `official-coordination-images-${variant}`);
    start.dispose();
    const lw = get(io, 'pass1.loss_weights');
    const lossWeights = tf.tensor(lw.values, [...lw.shape], 'float32');
    const vars = model.trainableWeights.map((w) => w.read() as tf.Variable);
    const { value, grads } = tf.variableGrads(
      () => tf.sum(tf.mul(model.apply(images, { training: true }) as tf.Tensor, lossWeights)) as tf.Scalar,
      [...vars, images],
    );
    const prefix = prefixOf(model);
    const byName = new Map(officialCoordinationWeightMap(model.config).pairs.map((p) => [`${prefix}${p.aitjs}`, p]));
    const officialGradNames = [...io.keys()].filter((k) => k.startsWith('pass1.grad.') && k !== 'pass1.grad.images');
    // The scale of the whole gradient: the largest official gradient entry of any weight.
    const largest = Math.max(...officialGradNames.map((k) => maxAbs(get(io, k).values)));
    const compared: string[] = [];
    const belowOwnPrecision: string[] = [];
    for (const w of model.trainableWeights) {
      const pair = byName.get(w.originalName);
      expect(pair, `${w.originalName} has an official counterpart`).toBeDefined();
      if (!pair) continue;
      const want = officialToAitLayout(get(io, `pass1.grad.${pair.official}`), pair.layout, pair.aitjsShape);
      const got = (grads[(w.read() as tf.Variable).name] as tf.Tensor).dataSync();
      compared.push(pair.official);
      if (relativeError(got, want) < RELATIVE_TOLERANCE) continue;
      // A gradient much smaller than the others (a sum that nearly cancels, or exactly zero) is
      // float32 rounding on both sides: it is compared relative to 1 % of the largest gradient.
      belowOwnPrecision.push(pair.official.replace(/^net\.enc\.self_attn\.relational_memory\./, ''));
      expect(maxDifference(got, want) / Math.max(maxAbs(want.values), 0.01 * largest), `gradient of ${pair.official}`).toBeLessThan(
        RELATIVE_TOLERANCE,
      );
    }
    // Only two: the key bias, whose gradient is exactly zero (a softmax does not change when the
    // same q.b is added to all its logits; both sides give rounding noise below 1e-7), and, in the
    // 'hard' fixture, the forget-gate bias, a scalar summing terms that cancel to 3e-4 of the
    // largest gradient (within 1e-8 of that scale).
    expect(
      belowOwnPrecision.every((n) => n === 'key_proj.bias' || n === 'forget_bias'),
      belowOwnPrecision.join(', '),
    ).toBe(true);
    const keyBias = get(io, 'pass1.grad.net.enc.self_attn.relational_memory.key_proj.bias');
    expect(maxAbs(keyBias.values)).toBeLessThan(1e-6 * largest);
    // Every official parameter with a gradient was compared; the rest are the position weights the official code detaches.
    expect(compared.sort()).toEqual(officialGradNames.map((k) => k.slice('pass1.grad.'.length)).sort());
    expect(v.no_gradient.every((n) => n.endsWith('pos_emb_weight'))).toBe(true);
    const imageGrad = tf.tidy(() => tf.transpose(grads[images.name] as tf.Tensor, [0, 3, 1, 2]).dataSync());
    expect(relativeError(imageGrad, get(io, 'pass1.grad.images')), 'gradient of the images').toBeLessThan(RELATIVE_TOLERANCE);
    tf.dispose([value, images, lossWeights, ...Object.values(grads)]);
    release(model);
  });

  it('round trip official -> AiT.js -> official bit-exactly (the fixed tensors from their formula)', () => {
    const official = tensorsOf(`${variant}.weights.safetensors`);
    const model = new Coordination(argsOf(v));
    const back = aitJsToOfficialCoordination(officialCoordinationToAitJs(official, model.config), model.config);
    const excluded = new Set(Object.keys(v.excluded_from_weights_file));
    const kept = new Map([...back].filter(([n]) => !excluded.has(n)).map(([n, t]) => [n, t.values]));
    expectBitExact(kept, new Map([...official].map(([n, t]) => [n, t.values])));
    for (const [n, shape] of Object.entries(v.excluded_from_weights_file)) expect(back.get(n)?.shape, n).toEqual(shape);
    release(model);
  });
});

describe('AiT.js -> official -> AiT.js', () => {
  it('is bit-exact, and the file has every official entry', async () => {
    const v = info.variants.hard as VariantInfo;
    setGlobalSeed(5);
    const model = new Coordination(argsOf(v));
    const x = nhwc(get(tensorsOf('hard.io.safetensors'), 'pass1.images'));
    (model.apply(x) as tf.Tensor).dispose();
    x.dispose();
    const bytes = await toOfficialCoordinationSafetensors(model);
    const file = decodeSafetensors(bytes, 'exported');
    expect(file.metadata.official_commit).toBe(OFFICIAL_COORDINATION_COMMIT);
    const officialNames = [...tensorsOf('hard.weights.safetensors').keys(), ...Object.keys(v.excluded_from_weights_file)];
    expect([...file.tensors.keys()].sort()).toEqual(officialNames.sort());
    expect(file.tensors.get('net.enc.self_attn.relational_memory.forget_bias')?.shape).toEqual([]);
    setGlobalSeed(6);
    const copy = new Coordination({ ...argsOf(v), name: 'copy' });
    expect(loadOfficialCoordinationSafetensors(copy, bytes).ignored).toHaveLength(4);
    const original = weightValues(model);
    const [from, to] = [prefixOf(copy), prefixOf(model)];
    expectBitExact(new Map([...weightValues(copy)].map(([n, w]) => [to + n.slice(from.length), w])), original);
    release(model);
    release(copy);
  });
});

describe('where the default Coordination departs from the official code', () => {
  const v = info.variants.hard as VariantInfo;
  const io = tensorsOf('hard.io.safetensors');

  it("'official' is the table the official forward pass adds, not the standard one", () => {
    const want = get(io, 'position_table');
    const [tokens, dim] = want.shape as [number, number];
    const ours = sharedWorkspacePositionTable1d(tokens, dim);
    const standard = sinusoidalPositionTable1d(tokens, dim);
    expect(relativeError(ours.dataSync(), want)).toBeLessThan(1e-6);
    expect(relativeError(standard.dataSync(), want)).toBeGreaterThan(0.1);
    tf.dispose([ours, standard]);
  });

  it('the standard position table changes the logits (the map refuses it unless strict is false)', () => {
    const model = new Coordination(argsOf(v, { positionTable: 'standard' }));
    const e = refusal(() => loadOfficialCoordinationSafetensors(model, fileBytes('hard.weights.safetensors')));
    expect(e.message).toMatch(/positionTable 'standard'.*strict: false/);
    loadOfficialCoordinationSafetensors(model, fileBytes('hard.weights.safetensors'), { strict: false });
    expect(runPass(model, io, 1, false).logits).toBeGreaterThan(1e-3);
    release(model);
  });

  it('the per-slot gate biases take part: without them the official memory is not reproduced', () => {
    const model = new Coordination(argsOf(v));
    loadOfficialCoordinationSafetensors(model, fileBytes('hard.weights.safetensors'));
    const bias = model.trainableWeights.find((w) => w.originalName.endsWith('layer_workspace/gate_memory_bias'));
    expect(bias).toBeDefined();
    const zeros = tf.zerosLike(bias?.read() as tf.Tensor);
    bias?.write(zeros);
    zeros.dispose();
    expect(runPass(model, io, 1, false).memory).toBeGreaterThan(1e-3);
    release(model);
  });

  it('a Coordination without slotGateBias has no weight for the official per-slot bias', () => {
    const model = new Coordination(argsOf(v, { slotGateBias: false }));
    const e = refusal(() => loadOfficialCoordinationSafetensors(model, fileBytes('hard.weights.safetensors'), { strict: false }));
    expect(e.kind).toBe('unsupported-config');
    expect(e.message).toMatch(/slotGateBias: true/);
    expect(model.built).toBe(false);
  });
});

describe('configs and files the map refuses', () => {
  const v = info.variants.hard as VariantInfo;
  const weights = (): Map<string, TensorValues> => tensorsOf('hard.weights.safetensors');

  it('refuses configs with no official counterpart, whatever strict says, and changes nothing', () => {
    for (const [overrides, pattern] of [
      [{ pool: 'mean' }, /pool 'mean'/],
      [{ gateStyle: 'memory' }, /gate_style 'unit'/],
      [{ keyDim: 16 }, /key_size = 32/],
      [{ patchSize: 5 }, /4 patches: .*MIN_NUM_PATCHES/],
      [{ imageSize: null }, /imageSize or channels null/],
    ] as [Partial<CoordinationArgs>, RegExp][]) {
      const model = new Coordination(argsOf(v, overrides));
      const e = refusal(() => loadOfficialCoordinationSafetensors(model, weights(), { strict: false }));
      expect(e.kind).toBe('unsupported-config');
      expect(e.message).toMatch(pattern);
      expect(model.built).toBe(false);
    }
  });

  it('refuses modes that compute otherwise unless strict is false: separate layers, renormalised top-k', () => {
    const model = new Coordination(argsOf(v, { sharedParameters: false, renormalizeTopK: true }));
    const e = refusal(() => loadOfficialCoordinationSafetensors(model, weights()));
    expect(e.kind).toBe('unsupported-config');
    expect(e.message).toMatch(/sharedParameters false: .*reset to the initial state/);
    expect(e.message).toMatch(/renormalizeTopK/);
    // What the script measured on the official code with share_vanilla_parameters False: its output
    // is that of its layers run each from the initial memory, not with the memory passed on.
    expect(info.non_shared_layers.max_difference_to_each_layer_from_initial_memory).toBe(0);
    expect(info.non_shared_layers.max_difference_to_memory_carried_from_layer_to_layer).toBeGreaterThan(0.01);
    // The map itself exists: per-layer official names.
    const map = officialCoordinationWeightMap(model.config, { strict: false });
    expect(map.pairs.some((p) => p.official === 'net.layers.1.self_attn.relational_memory.query_proj.weight')).toBe(true);
    // The one-layer file does not fit it, and the message says why.
    const mismatch = refusal(() => loadOfficialCoordinationSafetensors(model, weights(), { strict: false }));
    expect(mismatch.kind).toBe('mismatch');
    expect(mismatch.message).toMatch(/build the model with sharedParameters: true/);
  });

  it('checks the position buffer and its scale, and ignores what the official code never reads', () => {
    const ones = weights();
    const scale = get(ones, 'net.pe.pos_emb_weight');
    ones.set('net.pe.pos_emb_weight', { ...scale, values: Float32Array.from(scale.values, () => 2) });
    const model = new Coordination(argsOf(v));
    expect(refusal(() => loadOfficialCoordinationSafetensors(model, ones)).message).toMatch(/pos_emb_weight" is not all ones/);
    const table = weights();
    const pe = get(table, 'net.pe.pe');
    table.set('net.pe.pe', { ...pe, values: Float32Array.from(pe.values, (x) => x + 0.01) });
    expect(refusal(() => loadOfficialCoordinationSafetensors(model, table)).message).toMatch(
      /net\.pe\.pe" differs from the official position table/,
    );
    const full = weights();
    for (const [name, shape] of Object.entries(v.excluded_from_weights_file)) {
      full.set(name, { dtype: 'float32', shape, values: new Float32Array(shape.reduce((a, b) => a * b, 1)) });
    }
    const prefixed = new Map([...full].map(([n, t]) => [`module.${n}`, t]));
    expect([...loadOfficialCoordinationSafetensors(model, prefixed).ignored].sort()).toEqual(
      Object.keys(v.excluded_from_weights_file).sort(),
    );
    release(model);
  });

  it('names every problem of a file that does not fit', () => {
    const model = new Coordination(argsOf(v, { ffnDim: 8 }));
    const tensors = weights();
    tensors.delete('mlp_head.bias');
    const e = refusal(() => loadOfficialCoordinationSafetensors(model, tensors));
    expect(e.kind).toBe('mismatch');
    expect(e.message).toMatch(/net\.enc\.fc1\.weight" has shape \[24, 16\]; this config needs \[8, 16\]/);
    expect(e.message).toMatch(/missing: .*mlp_head\.bias/);
    expect(model.built).toBe(false);
  });
});

describe('parameter counts of the zoo presets against the official code', () => {
  const counts = info.parameter_counts.official_coordination;

  it.each([
    ['coordination-triangle', 1_714_182, 1_948_678],
    ['coordination-mini', 1_786_898, 2_025_490],
  ])(
    '%s: %i here; the official run.py counts %i, the difference being its position weights and per-slot gate biases',
    (name, ours, official) => {
      const c = counts[name] as OfficialCount;
      expect(c.run_py_count).toBe(official);
      const preset = presetParameterCount(name);
      expect(preset?.total).toBe(ours);
      expect(c.without_position_weights_and_slot_biases).toBe(ours);
      // With the per-slot gate biases, only the official PositionEncoder weights (300 x D each, never trained) remain.
      expect(presetParameterCount(name, { slotGateBias: true })?.total).toBe(c.without_position_weights);
      const model = createModel(name) as Coordination;
      const d = model.config.dim;
      const encoders = 2 + (model.config.sharedParameters ? 1 : model.config.layers);
      expect(Object.values(c.position_weights).reduce((a, b) => a + b, 0)).toBe(encoders * 300 * d);
    },
  );

  it('the formula counts the per-slot gate biases as the built model has them', () => {
    setGlobalSeed(9);
    const model = createModel('coordination-tiny', { slotGateBias: true, positionTable: 'official' }) as Coordination;
    const x = tf.zeros([1, 16, 16, 3]);
    (model.apply(x) as tf.Tensor).dispose();
    x.dispose();
    expect(countParameters(model).total).toBe(presetParameterCount('coordination-tiny', { slotGateBias: true })?.total);
    expect(countParameters(model).total - (presetParameterCount('coordination-tiny')?.total ?? 0)).toBe(4 * 2 * 96);
    release(model);
  });

  it('records why coordination-tiny has no official count, and the other references', () => {
    expect(info.parameter_counts.not_expressible['coordination-tiny']).toMatch(/key_size = 32/);
    const others = info.parameter_counts.other_references;
    // Perceiver: the published 44.9M (official code not run) next to this preset's count.
    expect(others['perceiver-imagenet']?.reference_count).toBe(44_900_000);
    expect(presetParameterCount('perceiver-imagenet')?.total).toBe(48_840_700);
    // AFT: no official code; the paper-size presets' counts as the Fidelity page lists them.
    expect(others['aft-*']?.reference_count).toBeNull();
    const aft = ['aft-full-small', 'aft-local-small', 'aft-simple-small', 'aft-conv-small'].map((n) => presetParameterCount(n)?.total);
    expect(aft).toEqual([22_652_008, 22_652_008, 22_049_896, 20_298_088]);
  });
});

describe('loading into a model that is used later', () => {
  it('leaves a working model whose weights are the mapped ones', () => {
    const v = info.variants.soft as VariantInfo;
    const official = tensorsOf('soft.weights.safetensors');
    const model = new Coordination(argsOf(v));
    loadOfficialCoordinationSafetensors(model, official);
    const mapped = officialCoordinationToAitJs(official, model.config, { prefix: prefixOf(model) });
    const values = weightValues(model);
    for (const [name, t] of mapped) expect(Array.from(values.get(name) ?? []), name).toEqual(Array.from(t.values));
    // loadSafetensorsWeights accepts the mapped tensors directly as well.
    loadSafetensorsWeights(model, mapped);
    release(model);
  });
});

describe("the options 'official' position table and slot gate biases", () => {
  it('survive save / load and getConfig / fromConfig, the bias weight included', async () => {
    await expectPresetRoundTrip('coordination-tiny', { data: 3, weights: 4 }, { positionTable: 'official', slotGateBias: true });
  });

  it('are validated when the config is: an even width and at most 300 tokens for the official table', () => {
    expect(() => createModel('coordination-tiny', { positionTable: 'official', dim: 95, heads: 5 })).toThrow(ConfigError);
    expect(() => createModel('coordination-tiny', { positionTable: 'official', dim: 95, heads: 5 })).toThrow(/dim 95 must be even/);
    expect(() => createModel('coordination-tiny', { positionTable: 'official', imageSize: 72 })).toThrow(/325 tokens/);
    // The standard table has neither limit.
    expect(() => createModel('coordination-tiny', { imageSize: 72 })).not.toThrow();
  });
});
