// The weight maps to ml-jku's hopfield-layers, checked against hflayers itself: the fixtures in
// test/fixtures/hflayers/ come from scripts/reference/make-hflayers-fixtures.py (hflayers' modules
// at tiny sizes, random parameters). CI has no Python: this test reads only the committed files.
import * as tf from '@tensorflow/tfjs-core';
import { decodeSafetensors } from '@ait/core';
import { describe, expect, it } from 'vitest';
import {
  HFLAYERS_COMMIT,
  hflayersWeightMap,
  layerFromHflayersSafetensors,
  loadHflayersSafetensors,
  parseHflayersKwargs,
  toHflayersSafetensors,
  type HflayersKwargsOf,
  type HflayersModule,
} from '../../src/index';
import {
  expectBitExact,
  fixtureBytes,
  fixtureInfo,
  fixtureTensors,
  get,
  layerInputs,
  layerMasks,
  relativeError,
  RELATIVE_TOLERANCE,
  weightValues,
} from './hflayers-fixtures';
import { useBackend } from '@ait/core/testing';

useBackend('cpu');

const info = fixtureInfo();

describe('hflayers fixtures', () => {
  it('come from the pinned hflayers commit', () => {
    expect(info.hflayers_commit).toBe(HFLAYERS_COMMIT);
    expect(info.hflayers_files_from).toBe(`git ${HFLAYERS_COMMIT}`);
    expect(Object.keys(info.configs).length).toBeGreaterThanOrEqual(12);
    const modules = new Set(Object.values(info.configs).map((c) => c.module));
    expect([...modules].sort()).toEqual(['Hopfield', 'HopfieldLayer', 'HopfieldPooling']);
  });
});

/** Numbers of the reference state_dict that hflayers never reads, as `name -> rows` (all rows: null). */
function unusedOf(module: HflayersModule, kwargs: Record<string, unknown>): Map<string, readonly [number, number] | null> {
  const map = hflayersWeightMap(parseHflayersKwargs(module, kwargs as HflayersKwargsOf[typeof module]));
  return new Map(map.unused.map((u) => [u.hflayers, u.rows ?? null]));
}

describe.each(Object.entries(info.configs))('hflayers %s', (name, cfg) => {
  const batchFirst = cfg.kwargs.batch_first !== false;

  it(`${cfg.module}: AiT.js computes hflayers' output and associations within ${RELATIVE_TOLERANCE} (relative)`, async () => {
    const io = fixtureTensors(`${name}.io.safetensors`);
    const before = tf.memory().numTensors;
    const { layer, ignored, notes } = layerFromHflayersSafetensors(fixtureBytes(`${name}.weights.safetensors`), { source: name });
    const x = layerInputs(cfg.module, io, batchFirst);
    const masks = layerMasks(io);
    const out = layer.apply(x, { training: false, ...masks }) as tf.Tensor;
    let got = out.dataSync() as Float32Array;
    const want = get(io, 'output');
    if (!batchFirst) {
      // hflayers flattens [quantity, batch, width] to [quantity, batch * width]; AiT.js gives [batch, quantity * width].
      const [q, rest] = want.shape as [number, number];
      const [b] = out.shape as [number];
      got = tf.tidy(() => tf.transpose(tf.reshape(out, [b, q, rest / b]), [1, 0, 2]).dataSync() as Float32Array);
    } else {
      expect(out.shape).toEqual(cfg.output_shape);
    }
    const outputError = relativeError(got, want.values);
    const assoc = layer.getAssociationMatrix(x, masks);
    expect(assoc.shape).toEqual(cfg.associations_shape);
    const assocError = relativeError(assoc.dataSync(), get(io, 'associations').values);
    tf.dispose([out, assoc, ...(Array.isArray(x) ? x : [x]), ...Object.values(masks)]);
    expect(outputError, 'output').toBeLessThanOrEqual(RELATIVE_TOLERANCE);
    expect(assocError, 'associations').toBeLessThanOrEqual(RELATIVE_TOLERANCE);

    const unused = unusedOf(cfg.module, cfg.kwargs);
    expect(ignored).toEqual([...unused].map(([n, rows]) => (rows ? `${n}[${rows[0]}:${rows[1]}]` : n)));
    if (cfg.kwargs.concat_bias_pattern === true) expect(notes.join(' ')).toMatch(/never appends them/);
    layer.dispose();
    expect(tf.memory().numTensors, 'tensors after the layer is disposed').toBe(before);
  });

  it(`${cfg.module}: exporting the loaded layer gives hflayers' tensors back, and loading that gives the same weights`, async () => {
    const { layer } = layerFromHflayersSafetensors(fixtureBytes(`${name}.weights.safetensors`), { source: name });
    const bytes = await toHflayersSafetensors(layer);
    const exported = decodeSafetensors(bytes, 'export');
    const reference = fixtureTensors(`${name}.weights.safetensors`);
    const unused = unusedOf(cfg.module, cfg.kwargs);
    const names = [...reference.keys()].filter((n) => unused.get(n) === undefined || unused.get(n) !== null);
    expect([...exported.tensors.keys()].sort()).toEqual(names.sort());
    for (const n of names) {
      const want = Float32Array.from(get(reference, n).values);
      const gotValues = Float32Array.from(get(exported.tensors, n).values);
      const rows = unused.get(n);
      if (rows) {
        want.fill(0, rows[0], rows[1]);
        expect(
          Array.from(gotValues.subarray(rows[0], rows[1])).every((v) => v === 0),
          `${n} unused rows are zeros`,
        ).toBe(true);
      }
      expectBitExact(new Map([[n, gotValues]]), new Map([[n, want]]));
    }
    expect(exported.metadata.hflayers_module).toBe(cfg.module);
    const { layer: again } = layerFromHflayersSafetensors(bytes, { source: 'export' });
    expectBitExact(weightValues(again), weightValues(layer));
    loadHflayersSafetensors(again, fixtureBytes(`${name}.weights.safetensors`), { source: name });
    layer.dispose();
    again.dispose();
  });
});
