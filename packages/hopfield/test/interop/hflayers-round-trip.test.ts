// The round trip AiT.js -> safetensors -> PyTorch -> safetensors -> AiT.js. Each case's AiT.js layer
// (deterministic weights) is exported with toHflayersSafetensors to
// test/fixtures/hflayers/aitjs-<case>.weights.safetensors (with its inputs and AiT.js outputs in
// aitjs-<case>.io.safetensors); scripts/reference/make-hflayers-fixtures.py builds the hflayers
// module from the file's metadata, loads it with PyTorch's strict load_state_dict, runs it on the
// inputs (aitjs-<case>.torch-output.safetensors) and saves its state_dict back
// (aitjs-<case>.roundtrip.safetensors). Run with HFLAYERS_WRITE_AITJS_EXPORTS=1 to rewrite the
// AiT.js files (then rerun the script).
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { decodeSafetensors, encodeSafetensors, namedWeights, SeededRandom, type TensorValues } from '@ait/core';
import { describe, expect, it } from 'vitest';
import {
  Hopfield,
  HopfieldLayer,
  HopfieldPooling,
  layerFromHflayersSafetensors,
  loadHflayersSafetensors,
  toHflayersSafetensors,
  type HflayersMappedLayer,
} from '../../src/index';
import {
  expectBitExact,
  FIXTURES,
  fixtureBytes,
  fixtureInfo,
  fixtureTensors,
  get,
  relativeError,
  RELATIVE_TOLERANCE,
  toTensor,
  weightValues,
} from './hflayers-fixtures';
import { useBackend } from '@ait/core/testing';

const WRITE = process.env.HFLAYERS_WRITE_AITJS_EXPORTS === '1';

useBackend('cpu');

interface AitjsCase {
  /** A new layer (unbuilt). */
  make: () => HflayersMappedLayer;
  /** Input shapes by fixture name: `input`, or `stored`, `state`, `projection` (Hopfield) / `stored`, `projection` (pooling). */
  inputs: Record<string, number[]>;
  seed: number;
}

const CASES: Record<string, AitjsCase> = {
  // Three inputs of different widths (separate projections), two updates, Hopfield-space norm, zero association, tanh.
  hopfield: {
    make: () =>
      new Hopfield({
        name: 'rt_hopfield',
        numHeads: 2,
        hiddenSize: 3,
        patternSize: 2,
        outputSize: 4,
        updateStepsMax: 2,
        updateStepsEps: 1e-9,
        normalizeHopfieldSpace: true,
        normalizeHopfieldSpaceAffine: true,
        normalizeStoredPatternEps: 1e-3,
        addZeroAssociation: true,
        associationActivation: 'tanh',
      }),
    inputs: { stored: [2, 5, 5], state: [2, 3, 4], projection: [2, 5, 3] },
    seed: 1,
  },
  // Defaults with two heads: hflayers' packed in_proj_weight.
  pooling: { make: () => new HopfieldPooling({ name: 'rt_pooling', quantity: 2, numHeads: 2 }), inputs: { input: [2, 6, 6] }, seed: 2 },
  // Static stored patterns (not projected) of width hiddenSize, separate targets, sigmoid.
  layer: {
    make: () =>
      new HopfieldLayer({
        name: 'rt_layer',
        quantity: 3,
        hiddenSize: 4,
        storedPatternAsStatic: true,
        lookupWeightsAsSeparated: true,
        associationActivation: 'sigmoid',
      }),
    inputs: { input: [2, 3, 5] },
    seed: 3,
  },
};

/** Inputs of a case, drawn from its seed. */
function caseInputs(c: AitjsCase): Map<string, TensorValues> {
  const rng = new SeededRandom(c.seed);
  return new Map(
    Object.entries(c.inputs).map(([k, shape]) => {
      const values = Float32Array.from({ length: shape.reduce((a, b) => a * b, 1) }, () => rng.normal());
      return [`input.${k}`, { dtype: 'float32', shape, values }];
    }),
  );
}

function asLayerInputs(io: ReadonlyMap<string, TensorValues>, names: readonly string[]): tf.Tensor | tf.Tensor[] {
  const list = names.map((k) => toTensor(get(io, `input.${k}`)));
  return list.length === 1 ? (list[0] as tf.Tensor) : list;
}

/** The case's layer, built on its inputs, with weights drawn from its seed (LayerNorm scales around 1). */
function caseLayer(c: AitjsCase, io: ReadonlyMap<string, TensorValues>): HflayersMappedLayer {
  const layer = c.make();
  const x = asLayerInputs(io, Object.keys(c.inputs));
  tf.tidy(() => {
    layer.apply(x);
  });
  tf.dispose(x);
  const rng = new SeededRandom(100 + c.seed);
  for (const [name, w] of namedWeights(layer)) {
    const n = w.shape.reduce<number>((a, b) => a * (b ?? 1), 1);
    const scale = /gamma$/.test(name);
    const values = Float32Array.from({ length: n }, () => (scale ? 1 + 0.3 * rng.normal() : 0.5 * rng.normal()));
    const t = tf.tensor(values, w.shape as number[]);
    w.write(t);
    t.dispose();
  }
  return layer;
}

function run(
  layer: HflayersMappedLayer,
  c: AitjsCase,
  io: ReadonlyMap<string, TensorValues>,
): { output: Float32Array; associations: Float32Array } {
  const x = asLayerInputs(io, Object.keys(c.inputs));
  const out = layer.apply(x) as tf.Tensor;
  const assoc = layer.getAssociationMatrix(x);
  const result = { output: out.dataSync() as Float32Array, associations: assoc.dataSync() as Float32Array };
  tf.dispose([out, assoc, ...(Array.isArray(x) ? x : [x])]);
  return result;
}

describe.each(Object.entries(CASES))('AiT.js %s -> hflayers -> AiT.js', (name, c) => {
  it('the committed AiT.js export is what toHflayersSafetensors writes today', async () => {
    const io = caseInputs(c);
    const layer = caseLayer(c, io);
    const bytes = await toHflayersSafetensors(layer);
    if (WRITE) {
      const x = asLayerInputs(io, Object.keys(c.inputs));
      const out = layer.apply(x) as tf.Tensor;
      const ioFile: Record<string, TensorValues> = {
        ...Object.fromEntries(io),
        output: { dtype: 'float32', shape: out.shape, values: out.dataSync() as Float32Array },
      };
      tf.dispose([out, ...(Array.isArray(x) ? x : [x])]);
      writeFileSync(join(FIXTURES, `aitjs-${name}.weights.safetensors`), bytes);
      writeFileSync(join(FIXTURES, `aitjs-${name}.io.safetensors`), encodeSafetensors(ioFile, { fixture: `aitjs-${name}` }));
    }
    const committed = decodeSafetensors(fixtureBytes(`aitjs-${name}.weights.safetensors`));
    const now = decodeSafetensors(bytes);
    expect(now.metadata).toEqual(committed.metadata);
    expectBitExact(
      new Map([...now.tensors].map(([k, t]) => [k, t.values])),
      new Map([...committed.tensors].map(([k, t]) => [k, t.values])),
    );
    expect(now.metadata.hflayers_call).toMatch(/^Hopfield(Pooling|Layer)?\(input_size=/);
    layer.dispose();
  });

  it('PyTorch loaded the export strictly, and its state_dict loads back into AiT.js bit for bit', () => {
    const trip = fixtureInfo().round_trips[name];
    expect(trip, `fixture.json has the round trip of ${name}`).toBeDefined();
    expect(trip?.state_dict_bit_exact_in_torch).toBe(true);
    const io = caseInputs(c);
    const before = tf.memory().numTensors;
    const original = caseLayer(c, io);
    const { layer: back, ignored } = layerFromHflayersSafetensors(fixtureBytes(`aitjs-${name}.roundtrip.safetensors`), {
      source: 'roundtrip',
    });
    expectBitExact(weightValues(back), weightValues(original));
    // The same file loads into the original layer too (it was exported from it).
    loadHflayersSafetensors(original, fixtureBytes(`aitjs-${name}.roundtrip.safetensors`));
    expect(ignored).toEqual([]);
    original.dispose();
    back.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });

  it(`hflayers computes what the AiT.js layer computes, within ${RELATIVE_TOLERANCE} (relative)`, () => {
    const io = fixtureTensors(`aitjs-${name}.io.safetensors`);
    const torchOut = fixtureTensors(`aitjs-${name}.torch-output.safetensors`);
    const layer = caseLayer(c, caseInputs(c));
    const { output, associations } = run(layer, c, io);
    expect(relativeError(output, get(torchOut, 'output').values)).toBeLessThanOrEqual(RELATIVE_TOLERANCE);
    expect(relativeError(associations, get(torchOut, 'associations').values)).toBeLessThanOrEqual(RELATIVE_TOLERANCE);
    expect(relativeError(output, get(io, 'output').values)).toBe(0);
    layer.dispose();
  });
});
