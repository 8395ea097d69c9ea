// safetensors in @ait/core: decoding checked against bytes built by hand from the format's
// description, encoding round trips, every corruption named, mutated files always a typed error,
// a model's weights out and back in, and the Node file reader's ranged reads.
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { layers, sequential } from '@tensorflow/tfjs-layers';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  decodeSafetensors,
  encodeSafetensors,
  loadSafetensorsWeights,
  modelToSafetensors,
  readSafetensorsFile,
  SafetensorsError,
  setGlobalSeed,
  writeSafetensorsFile,
} from '../../src/index';
import { useBackend, useTempDir } from '../../testing/index';

useBackend('cpu');
const dir = useTempDir('ait-safetensors-');

/** A safetensors file from a header object and data bytes, as the format describes it (no padding). */
function fileOf(header: object, data: Uint8Array): Uint8Array {
  const json = new TextEncoder().encode(JSON.stringify(header));
  const out = new Uint8Array(8 + json.byteLength + data.byteLength);
  new DataView(out.buffer).setBigUint64(0, BigInt(json.byteLength), true);
  out.set(json, 8);
  out.set(data, 8 + json.byteLength);
  return out;
}

/** Little-endian bytes written through a DataView, one call per value. */
function bytes(size: number, write: (v: DataView) => void): Uint8Array {
  const b = new Uint8Array(size);
  write(new DataView(b.buffer));
  return b;
}

const HAND_MADE = fileOf(
  {
    __metadata__: { format: 'pt' },
    f32: { dtype: 'F32', shape: [2], data_offsets: [0, 8] },
    i64: { dtype: 'I64', shape: [2, 1], data_offsets: [8, 24] },
    f16: { dtype: 'F16', shape: [5], data_offsets: [24, 34] },
    bf16: { dtype: 'BF16', shape: [2], data_offsets: [34, 38] },
    u8: { dtype: 'U8', shape: [2], data_offsets: [38, 40] },
    flag: { dtype: 'BOOL', shape: [2], data_offsets: [40, 42] },
    f64: { dtype: 'F64', shape: [1], data_offsets: [42, 50] },
  },
  bytes(50, (v) => {
    v.setFloat32(0, 1.5, true);
    v.setFloat32(4, -3.25, true);
    v.setBigInt64(8, -7n, true);
    v.setBigInt64(16, 2147483647n, true);
    [0x3c00, 0xc000, 0x3800, 0x7bff, 0x0001].forEach((h, i) => v.setUint16(24 + 2 * i, h, true)); // 1, -2, 0.5, 65504, 2^-24
    v.setUint16(34, 0x3fc0, true); // bf16 1.5
    v.setUint16(36, 0xc2f7, true); // bf16 -123.5
    v.setUint8(38, 255);
    v.setUint8(39, 3);
    v.setUint8(40, 1);
    v.setUint8(41, 0);
    v.setFloat64(42, 0.1, true);
  }),
);

describe('safetensors format', () => {
  it('decodes every dtype as the format defines it', () => {
    const { metadata, tensors } = decodeSafetensors(HAND_MADE, 'hand-made');
    expect(metadata).toEqual({ format: 'pt' });
    const get = (n: string) => tensors.get(n) as { dtype: string; shape: readonly number[]; values: ArrayLike<number> };
    expect(get('f32')).toMatchObject({ dtype: 'float32', shape: [2] });
    expect(Array.from(get('f32').values)).toEqual([1.5, -3.25]);
    expect(get('i64')).toMatchObject({ dtype: 'int32', shape: [2, 1] });
    expect(Array.from(get('i64').values)).toEqual([-7, 2147483647]);
    expect(Array.from(get('f16').values)).toEqual([1, -2, 0.5, 65504, 2 ** -24]);
    expect(Array.from(get('bf16').values)).toEqual([1.5, -123.5]);
    expect(Array.from(get('u8').values)).toEqual([255, 3]);
    expect(get('flag')).toMatchObject({ dtype: 'bool' });
    expect(Array.from(get('flag').values)).toEqual([1, 0]);
    expect(get('f64').values[0]).toBe(Math.fround(0.1));
  });

  it('encodes float32, int32 and bool so that they decode to the same values, data 8-byte aligned', () => {
    const input = {
      w: { dtype: 'float32' as const, shape: [2, 3], values: Float32Array.from([0, -0, 1e-38, Infinity, -Infinity, 3.5]) },
      n: { dtype: 'float32' as const, shape: [1], values: Float32Array.from([NaN]) },
      i: { dtype: 'int32' as const, shape: [3], values: Int32Array.from([-2147483648, 0, 2147483647]) },
      b: { dtype: 'bool' as const, shape: [2, 1], values: Uint8Array.from([1, 0]) },
      s: { dtype: 'float32' as const, shape: [], values: Float32Array.from([2]) },
    };
    const file = encodeSafetensors(input, { source: 'AiT.js' });
    const headerLength = Number(new DataView(file.buffer).getBigUint64(0, true));
    expect((8 + headerLength) % 8).toBe(0);
    const header = JSON.parse(new TextDecoder().decode(file.subarray(8, 8 + headerLength))) as Record<string, { dtype: string }>;
    expect(Object.keys(header)).toEqual(['__metadata__', 'b', 'i', 'n', 's', 'w']);
    expect(header.w?.dtype).toBe('F32');
    const { metadata, tensors } = decodeSafetensors(file);
    expect(metadata).toEqual({ source: 'AiT.js' });
    for (const [name, t] of Object.entries(input)) {
      const back = tensors.get(name);
      expect(back?.dtype, name).toBe(t.dtype);
      expect(back?.shape, name).toEqual(t.shape);
      expect(Array.from(back?.values ?? []), name).toEqual(Array.from(t.values));
    }
    expect(Object.is(tensors.get('w')?.values[1], -0)).toBe(true);
    // a Node Buffer that starts inside a larger pool (what fs.readFile returns): same values
    const pooled = Buffer.concat([Buffer.from([7, 7, 7]), Buffer.from(file)]).subarray(3);
    expect(pooled.byteOffset).toBeGreaterThan(0);
    const fromBuffer = decodeSafetensors(pooled).tensors;
    for (const [name, t] of Object.entries(input))
      expect(Array.from(fromBuffer.get(name)?.values ?? []), name).toEqual(Array.from(t.values));
  });

  it('names each corruption', () => {
    const problem = (file: Uint8Array): SafetensorsError => {
      try {
        decodeSafetensors(file, 'x.safetensors');
      } catch (err) {
        expect(err).toBeInstanceOf(SafetensorsError);
        return err as SafetensorsError;
      }
      throw new Error('decoded a corrupt file');
    };
    const t = (offsets: number[], dtype = 'F32', shape = [1]) => ({ dtype, shape, data_offsets: offsets });
    expect(problem(new Uint8Array(5))).toMatchObject({
      kind: 'truncated',
      message: expect.stringMatching(/shorter than the 8-byte header length/),
    });
    const huge = new Uint8Array(16);
    new DataView(huge.buffer).setBigUint64(0, 1n << 40n, true);
    expect(problem(huge)).toMatchObject({ kind: 'bad-header', message: expect.stringMatching(/claims a header of 1099511627776 bytes/) });
    expect(problem(HAND_MADE.subarray(0, 100))).toMatchObject({ kind: 'truncated' });
    expect(problem(HAND_MADE.subarray(0, HAND_MADE.byteLength - 1))).toMatchObject({
      kind: 'truncated',
      message: expect.stringMatching(/tensor "f64" ends at data byte 50/),
    });
    expect(problem(fileOf({ a: t([0, 4]) }, new Uint8Array(6)))).toMatchObject({
      kind: 'bad-offsets',
      message: expect.stringMatching(/trailing bytes/),
    });
    expect(problem(fileOf({ a: t([0, 4]), b: t([2, 6]) }, new Uint8Array(6)))).toMatchObject({
      kind: 'bad-offsets',
      message: expect.stringMatching(/"b" overlaps/),
    });
    expect(problem(fileOf({ a: t([0, 4]), b: t([6, 10]) }, new Uint8Array(10)))).toMatchObject({
      kind: 'bad-offsets',
      message: expect.stringMatching(/bytes 4\.\.6 belong to no tensor/),
    });
    expect(problem(fileOf({ a: t([0, 8], 'F32', [3]) }, new Uint8Array(8)))).toMatchObject({
      kind: 'bad-offsets',
      message: expect.stringMatching(/needs 12 bytes/),
    });
    expect(problem(fileOf({ a: t([0, 4], 'F8_E4M3') }, new Uint8Array(4)))).toMatchObject({ kind: 'unsupported-dtype' });
    expect(problem(fileOf({ a: t([0, 4], 'F32', [-1] as number[]) }, new Uint8Array(4)))).toMatchObject({ kind: 'bad-header' });
    const big = fileOf(
      { a: t([0, 8], 'I64') },
      bytes(8, (v) => v.setBigInt64(0, 1n << 40n, true)),
    );
    expect(problem(big)).toMatchObject({
      kind: 'out-of-range',
      message: expect.stringMatching(/"a" \(I64\) holds 1099511627776 at index 0/),
    });
    const notJson = fileOf({}, new Uint8Array(0));
    notJson[8] = 0xff;
    expect(problem(notJson)).toMatchObject({ kind: 'bad-header', message: expect.stringMatching(/not UTF-8 JSON/) });
  });

  it('a mutated file (truncated, extended, bytes flipped, header length forged) decodes or gives a SafetensorsError, never another error', () => {
    const valid = encodeSafetensors({
      a: { dtype: 'float32', shape: [3, 2], values: Float32Array.from([1, 2, 3, 4, 5, 6]) },
      b: { dtype: 'int32', shape: [2], values: Int32Array.from([7, 8]) },
    });
    const mutation = fc.oneof(
      fc.record({ kind: fc.constant('truncate' as const), at: fc.nat(valid.byteLength) }),
      fc.record({ kind: fc.constant('extend' as const), extra: fc.uint8Array({ minLength: 1, maxLength: 16 }) }),
      fc.record({ kind: fc.constant('flip' as const), at: fc.nat(valid.byteLength - 1), value: fc.integer({ min: 0, max: 255 }) }),
      fc.record({ kind: fc.constant('length' as const), value: fc.bigInt({ min: 0n, max: (1n << 64n) - 1n }) }),
    );
    fc.assert(
      fc.property(mutation, (m) => {
        let file: Uint8Array;
        if (m.kind === 'truncate') file = valid.slice(0, m.at);
        else if (m.kind === 'extend') file = Uint8Array.from([...valid, ...m.extra]);
        else if (m.kind === 'flip') {
          file = valid.slice();
          file[m.at] = m.value;
        } else {
          file = valid.slice();
          new DataView(file.buffer).setBigUint64(0, m.value, true);
        }
        try {
          decodeSafetensors(file);
        } catch (err) {
          if (!(err instanceof SafetensorsError)) throw err;
        }
      }),
      { seed: 20261205, numRuns: 600 },
    );
  });
});

describe('model weights through safetensors', () => {
  const makeModel = (seed: number) => {
    setGlobalSeed(seed);
    const m = sequential({
      layers: [
        layers.dense({ units: 4, inputShape: [3], name: 'hidden', kernelInitializer: 'glorotUniform' }),
        layers.dense({ units: 2, name: 'out' }),
      ],
    });
    m.setWeights(m.getWeights().map((w, i) => tf.randomNormal(w.shape, 0, 1, 'float32', seed * 10 + i)));
    return m;
  };

  it('round trips every weight bit for bit through a file, and a fresh model computes the same outputs', async () => {
    const a = makeModel(1);
    const b = makeModel(2);
    const path = join(dir(), 'model.safetensors');
    await writeSafetensorsFile(path, await modelToSafetensors(a, { model: 'two dense layers' }));
    const { metadata, tensors } = await readSafetensorsFile(path);
    expect(metadata).toEqual({ model: 'two dense layers' });
    expect([...tensors.keys()].sort()).toEqual(a.weights.map((w) => w.originalName).sort());
    loadSafetensorsWeights(b, tensors, { source: path });
    const x = tf.randomNormal([5, 3]);
    const ya = a.predict(x) as tf.Tensor;
    const yb = b.predict(x) as tf.Tensor;
    expect(Array.from(await yb.data())).toEqual(Array.from(await ya.data()));
    const partial = await readSafetensorsFile(path, { names: ['out/bias'] });
    expect([...partial.tensors.keys()]).toEqual(['out/bias']);
    tf.dispose([x, ya, yb]);
  });

  it('refuses a file for another model, listing every problem, and changes nothing', async () => {
    const a = makeModel(3);
    const other = sequential({
      layers: [layers.dense({ units: 5, inputShape: [3], name: 'hidden' }), layers.dense({ units: 2, name: 'head' })],
    });
    tf.dispose(other.predict(tf.zeros([1, 3])) as tf.Tensor);
    const before = a.getWeights().map((w) => Array.from(w.dataSync()));
    const { tensors } = decodeSafetensors(await modelToSafetensors(other));
    let error: unknown;
    try {
      loadSafetensorsWeights(a, tensors, { source: 'other.safetensors' });
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(SafetensorsError);
    expect((error as Error).message).toMatch(
      /Cannot load other\.safetensors into ".*":[\s\S]*"hidden\/kernel" has shape \[3, 5\], the weight "hidden\/kernel" \[3, 4\][\s\S]*missing: "out\/kernel"[\s\S]*not in the model: .*"head\/kernel"/,
    );
    expect(a.getWeights().map((w) => Array.from(w.dataSync()))).toEqual(before);
  });

  it('names a truncated file on disk and a missing tensor', async () => {
    const path = join(dir(), 'cut.safetensors');
    const full = await modelToSafetensors(makeModel(4));
    await writeFile(path, full.subarray(0, full.byteLength - 3));
    await expect(readSafetensorsFile(path)).rejects.toMatchObject({ kind: 'truncated', source: path });
    await writeFile(path, full);
    await expect(readSafetensorsFile(path, { names: ['nope'] })).rejects.toThrow(/has no tensor "nope"/);
    expect((await readFile(path)).byteLength).toBe(full.byteLength);
    await expect(readSafetensorsFile(join(dir(), 'absent.safetensors'))).rejects.toMatchObject({ kind: 'read-failed' });
  });
});
