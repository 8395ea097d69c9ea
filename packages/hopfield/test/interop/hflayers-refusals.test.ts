// Where AiT.js's Hopfield layers and hflayers compute different things, the maps refuse with an
// error naming the option and why; and the pieces of the maps (weight layout, Python call, errors
// on bad files) each do what they say.
import * as tf from '@tensorflow/tfjs-core';
import { ConfigError, decodeSafetensors, encodeSafetensors, type TensorValues } from '@ait/core';
import { expectNoLeak, thrownBy, useBackend } from '@ait/core/testing';
import { describe, expect, it } from 'vitest';
import {
  aitjsArgsFromHflayers,
  createLayerFromHflayers,
  Hopfield,
  HflayersInteropError,
  hflayersConstructorCall,
  hflayersKwargsFor,
  hflayersWeightMap,
  HopfieldLayer,
  HopfieldPooling,
  layerFromHflayersSafetensors,
  loadHflayersSafetensors,
  parseHflayersKwargs,
  toHflayersSafetensors,
  type HflayersKwargsOf,
  type HflayersModule,
} from '../../src/index';
import { fixtureBytes, fixtureInfo, fixtureTensors, get, layerInputs, layerMasks, relativeError, weightValues } from './hflayers-fixtures';

useBackend('cpu');

/** The issues of the HflayersInteropError `fn` throws (fails if it throws nothing or something else). */
function issuesOf(fn: () => unknown, kind: HflayersInteropError['kind']): string {
  const e = thrownBy(fn, HflayersInteropError);
  expect(e.kind).toBe(kind);
  return e.issues.join('\n');
}

function refusal<M extends HflayersModule>(module: M, kwargs: HflayersKwargsOf[M]): string {
  return issuesOf(() => aitjsArgsFromHflayers(module, kwargs), 'unsupported-config');
}

describe('hflayers -> AiT.js refuses what hflayers computes differently', () => {
  it('per-head scaling with different values (hflayers scales feature i mod num_heads), but takes equal ones', () => {
    expect(refusal('Hopfield', { input_size: 4, num_heads: 2, scaling: [0.5, 2] })).toMatch(/scaling \[0\.5, 2\].*feature i mod num_heads/);
    expect(aitjsArgsFromHflayers('Hopfield', { input_size: 4, num_heads: 2, scaling: [0.5, 0.5] }).args.scaling).toBe(0.5);
  });

  it('per-head update_steps_max with different values; equal values and negatives (until converged) map', () => {
    expect(refusal('Hopfield', { input_size: 4, num_heads: 2, update_steps_max: [1, 2] })).toMatch(/update_steps_max \[1, 2\]/);
    expect(aitjsArgsFromHflayers('Hopfield', { input_size: 4, num_heads: 2, update_steps_max: [2, 2] }).args.updateStepsMax).toBe(2);
    const converge = aitjsArgsFromHflayers('Hopfield', { input_size: 4, update_steps_max: null });
    expect(converge.args.updateStepsMax).toBeNull();
    expect(converge.notes.join(' ')).toMatch(/1000 updates/);
  });

  it('static patterns with several heads (hflayers pairs them with another example)', () => {
    const issues = refusal('Hopfield', {
      input_size: 4,
      hidden_size: 4,
      num_heads: 2,
      stored_pattern_as_static: true,
      stored_pattern_size: 4,
    });
    expect(issues).toMatch(/stored_pattern_as_static with num_heads 2.*another example/);
  });

  it('connected pattern projections that hflayers projects a second time', () => {
    expect(refusal('Hopfield', { input_size: 4, pattern_projection_as_connected: true })).toMatch(/v_proj_weight/);
  });

  it('association activations other than relu, tanh and sigmoid', () => {
    expect(refusal('Hopfield', { input_size: 4, association_activation: 'gelu' })).toMatch(/'gelu'.*getattr\(torch/);
    expect(aitjsArgsFromHflayers('Hopfield', { input_size: 4, association_activation: 'tanh' }).args.associationActivation).toBe('tanh');
  });

  it('arguments hflayers itself rejects, each named', () => {
    expect(refusal('Hopfield', { input_size: 4, normalize_stored_pattern: false })).toMatch(
      /normalize_stored_pattern_affine without normalize_stored_pattern/,
    );
    expect(refusal('Hopfield', { input_size: 4, normalize_hopfield_space: true, normalize_hopfield_space_affine: true })).toMatch(
      /without hidden_size/,
    );
    expect(refusal('Hopfield', {})).toMatch(/input_size is not given/);
    expect(refusal('Hopfield', { input_size: 5, num_heads: 2 })).toMatch(/not divisible by num_heads/);
    expect(refusal('Hopfield', { input_size: 6, hidden_size: 4, state_pattern_as_static: true })).toMatch(/LayerNorm\(6\).*width 4/);
  });

  it('wrapper widths AiT.js learns differently', () => {
    expect(refusal('HopfieldPooling', { input_size: 6, stored_pattern_size: 7 })).toMatch(/state patterns as wide as the stored patterns/);
    expect(refusal('HopfieldLayer', { input_size: 6, stored_pattern_size: 7 })).toMatch(/stored patterns as wide as its input/);
    expect(refusal('HopfieldLayer', { input_size: 6, lookup_weights_as_separated: true, pattern_projection_size: 4 })).toMatch(
      /pattern_projection_size 4/,
    );
  });

  it('unknown or mistyped keyword arguments are ConfigErrors naming the field', () => {
    expect(() => parseHflayersKwargs('Hopfield', { input_size: 4, heads: 2 } as HflayersKwargsOf['Hopfield'])).toThrow(ConfigError);
    expect(() => parseHflayersKwargs('Hopfield', { input_size: 4, heads: 2 } as HflayersKwargsOf['Hopfield'])).toThrow(/heads/);
    // The wrappers do not take the eps arguments in hflayers.
    expect(() =>
      parseHflayersKwargs('HopfieldPooling', { input_size: 4, normalize_state_pattern_eps: 1e-3 } as HflayersKwargsOf['HopfieldPooling']),
    ).toThrow(/normalize_state_pattern_eps/);
  });

  it('concat_bias_pattern maps to no bias pattern, with a note, since hflayers never appends it', () => {
    const r = aitjsArgsFromHflayers('Hopfield', { input_size: 4, num_heads: 2, concat_bias_pattern: true });
    expect(r.args.concatBiasPattern).toBe(false);
    expect(r.notes.join(' ')).toMatch(/never appends them/);
    const map = hflayersWeightMap(r.config);
    expect(map.unused.map((u) => u.hflayers)).toEqual(['association_core.bias_k', 'association_core.bias_v']);
  });
});

/** A built layer (one call on zeros). */
function built<T extends Hopfield | HopfieldPooling | HopfieldLayer>(layer: T, ...shapes: number[][]): T {
  tf.tidy(() => {
    const xs = shapes.map((s) => tf.zeros(s));
    layer.apply(xs.length === 1 ? (xs[0] as tf.Tensor) : xs);
  });
  return layer;
}

describe('AiT.js -> hflayers refuses what no hflayers module computes', () => {
  const refused = (layer: Hopfield | HopfieldPooling | HopfieldLayer): string => {
    const issues = issuesOf(() => hflayersKwargsFor(layer), 'unsupported-config');
    layer.dispose();
    return issues;
  };

  it('bias patterns, per-head scaling, activations hflayers cannot apply, static patterns with heads', () => {
    expect(refused(built(new Hopfield({ concatBiasPattern: true }), [1, 2, 4]))).toMatch(
      /concatBiasPattern: hflayers creates its bias patterns/,
    );
    expect(refused(built(new Hopfield({ numHeads: 2, scaling: [0.5, 1.5] }), [1, 2, 4]))).toMatch(/scaling \[0\.5, 1\.5\]/);
    expect(refused(built(new Hopfield({ associationActivation: 'gelu' }), [1, 2, 4]))).toMatch(/associationActivation 'gelu'/);
    expect(
      refused(built(new Hopfield({ numHeads: 2, hiddenSize: 4, statePatternAsStatic: true }), [1, 2, 4], [1, 3, 4], [1, 2, 4])),
    ).toMatch(/statePatternAsStatic with numHeads 2/);
  });

  it("a wrapper's normalisation eps (hflayers' wrappers do not pass theirs on), but not Hopfield's", () => {
    expect(refused(built(new HopfieldPooling({ normalizeStoredPatternEps: 1e-3 }), [1, 3, 4]))).toMatch(/normalizeStoredPatternEps 0\.001/);
    const h = built(new Hopfield({ normalizeStoredPatternEps: 1e-3 }), [1, 3, 4]);
    expect(hflayersKwargsFor(h).kwargs).toMatchObject({ normalize_stored_pattern_eps: 1e-3 });
    h.dispose();
  });

  it('an unbuilt layer', () => {
    expect(issuesOf(() => hflayersKwargsFor(new Hopfield()), 'not-built')).toMatch(/not built/);
  });

  it('equal per-head scalings and the packed layout map; pattern_size only where it differs', () => {
    const h = built(new Hopfield({ numHeads: 2, scaling: [0.7, 0.7] }), [1, 3, 6]);
    const { kwargs, notes } = hflayersKwargsFor(h);
    expect(kwargs).toMatchObject({ input_size: 6, hidden_size: 3, num_heads: 2, scaling: 0.7 });
    expect('pattern_size' in kwargs).toBe(false);
    expect([...hflayersWeightMap(parseHflayersKwargs('Hopfield', kwargs)).tensors.keys()]).toContain('association_core.in_proj_weight');
    expect(notes).toEqual([]);
    h.dispose();
  });
});

describe('the weight map', () => {
  it('splits the packed in_proj_weight into the non-static projections, rows [q; k; v], and the bias too', () => {
    const map = hflayersWeightMap(
      parseHflayersKwargs('Hopfield', { input_size: 6, hidden_size: 2, num_heads: 2, state_pattern_as_static: false }),
    );
    const packed = map.pairs.filter((p) => p.hflayers === 'association_core.in_proj_weight');
    expect(packed.map((p) => [p.aitjs, p.rows, p.aitjsShape, p.layout])).toEqual([
      ['state_projection/kernel', [0, 4], [6, 4], 'transpose'],
      ['stored_projection/kernel', [4, 8], [6, 4], 'transpose'],
      ['pattern_projection/kernel', [8, 12], [6, 4], 'transpose'],
    ]);
    expect(map.tensors.get('association_core.in_proj_weight')).toEqual([12, 6]);
    expect(map.pairs.filter((p) => p.hflayers === 'association_core.in_proj_bias').map((p) => p.rows)).toEqual([
      [0, 4],
      [4, 8],
      [8, 12],
    ]);
  });

  it('keeps the value rows of in_proj_bias that connected values never read as unused', () => {
    const cfg = fixtureInfo().configs['hopfield-connected'];
    const map = hflayersWeightMap(parseHflayersKwargs('Hopfield', cfg?.kwargs as HflayersKwargsOf['Hopfield']));
    expect(map.unused).toEqual([expect.objectContaining({ hflayers: 'association_core.in_proj_bias', rows: [10, 15] })]);
    expect([...map.tensors.keys()].sort()).toEqual(Object.keys(cfg?.state_dict ?? {}).sort());
  });

  it("names every tensor of every fixture's state_dict with its shape", () => {
    for (const [name, cfg] of Object.entries(fixtureInfo().configs)) {
      const map = hflayersWeightMap(parseHflayersKwargs(cfg.module, cfg.kwargs as HflayersKwargsOf[typeof cfg.module]));
      expect(Object.fromEntries(map.tensors), name).toEqual(cfg.state_dict);
    }
  });
});

describe('loading checks everything before a weight changes', () => {
  const bytes = fixtureBytes('pooling-default.weights.safetensors');
  const file = decodeSafetensors(bytes, 'pooling-default');

  it('a file of another module', () => {
    const h = built(new Hopfield(), [1, 3, 6]);
    expect(issuesOf(() => loadHflayersSafetensors(h, bytes), 'mismatch')).toMatch(
      /hflayers HopfieldPooling; load them into an AiT.js HopfieldPooling/,
    );
    h.dispose();
  });

  it('missing, unknown and misshapen tensors, all listed at once', async () => {
    const tensors = new Map(file.tensors);
    tensors.delete('pooling_weights');
    tensors.set('extra', { dtype: 'float32', shape: [1], values: Float32Array.of(1) });
    const w = tensors.get('hopfield.association_core.out_proj.bias') as TensorValues;
    tensors.set('hopfield.association_core.out_proj.bias', { ...w, shape: [2, 3] });
    const bad = encodeSafetensors(Object.fromEntries(tensors), file.metadata);
    await expectNoLeak(() => {
      const issues = issuesOf(() => layerFromHflayersSafetensors(bad), 'mismatch');
      expect(issues).toMatch(/missing: "pooling_weights"/);
      expect(issues).toMatch(/not in the hflayers module of this config: "extra"/);
      expect(issues).toMatch(/out_proj.bias" has shape \[2, 3\]; this config needs \[6\]/);
    }, 'refused load');
  });

  it('a layer whose options differ from the module: refused, weights unchanged', () => {
    const layer = built(new HopfieldPooling({ quantity: 3, numHeads: 1 }), [1, 7, 6]);
    const before = weightValues(layer);
    const issues = issuesOf(() => loadHflayersSafetensors(layer, bytes), 'unsupported-config');
    expect(issues).toMatch(/numHeads: the layer has 1, the hflayers module computes with 2/);
    expect(weightValues(layer)).toEqual(before);
    layer.dispose();
  });

  it('no kwargs and no metadata', () => {
    const bare = encodeSafetensors(Object.fromEntries(file.tensors));
    expect(issuesOf(() => layerFromHflayersSafetensors(bare), 'mismatch')).toMatch(/no hflayers module given/);
    expect(issuesOf(() => layerFromHflayersSafetensors(bare, { module: 'HopfieldPooling' }), 'mismatch')).toMatch(/pass kwargs/);
    const { layer } = layerFromHflayersSafetensors(bare, {
      module: 'HopfieldPooling',
      kwargs: { input_size: 6, quantity: 3, num_heads: 2 },
    });
    layer.dispose();
  });
});

describe('the fixtures exercise what they claim', () => {
  it('hopfield-three-inputs: without its three updates the output is off by far more than the tolerance', () => {
    const cfg = fixtureInfo().configs['hopfield-three-inputs'];
    const io = fixtureTensors('hopfield-three-inputs.io.safetensors');
    const kwargs = { ...(cfg?.kwargs as HflayersKwargsOf['Hopfield']), update_steps_max: 0 };
    const { layer } = createLayerFromHflayers('Hopfield', kwargs, fixtureBytes('hopfield-three-inputs.weights.safetensors'));
    const x = layerInputs('Hopfield', io, true);
    const masks = layerMasks(io);
    const out = layer.apply(x, masks) as tf.Tensor;
    expect(relativeError(out.dataSync(), get(io, 'output').values)).toBeGreaterThan(1e-3);
    tf.dispose([out, ...(x as tf.Tensor[]), ...Object.values(masks)]);
    layer.dispose();
  });
});

describe('hflayersConstructorCall', () => {
  it('writes floats as floats, None, booleans, strings and per-head tensors', () => {
    expect(
      hflayersConstructorCall('Hopfield', {
        input_size: 4,
        scaling: 1,
        update_steps_max: null,
        update_steps_eps: [1e-4, 2],
        association_activation: 'tanh',
        batch_first: false,
        dropout: 0,
      }),
    ).toBe(
      "Hopfield(input_size=4, scaling=1.0, update_steps_max=None, update_steps_eps=torch.tensor([0.0001, 2.0]), association_activation='tanh', batch_first=False, dropout=0.0)",
    );
  });

  it('is what toHflayersSafetensors puts in the metadata', async () => {
    const layer = built(new HopfieldLayer({ quantity: 2 }), [1, 3, 4]);
    const meta = decodeSafetensors(await toHflayersSafetensors(layer, { metadata: { note: 'x' } })).metadata;
    const { kwargs } = hflayersKwargsFor(layer);
    expect(meta).toMatchObject({
      note: 'x',
      format: 'pt',
      hflayers_module: 'HopfieldLayer',
      hflayers_call: hflayersConstructorCall('HopfieldLayer', kwargs),
    });
    expect(JSON.parse(meta.hflayers_kwargs as string)).toEqual(kwargs);
    layer.dispose();
  });
});
