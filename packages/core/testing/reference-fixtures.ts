// The committed fixtures of reference PyTorch code (a package's test/fixtures/<name>/, made by its
// scripts/reference/*.py): reading a fixture folder, and comparing values with the reference bit
// for bit or relative to its largest magnitude.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect } from 'vitest';
import { decodeSafetensors, type TensorValues } from '../src/interop/safetensors-format';

/** The committed files of one fixture folder. */
export interface FixtureFolder {
  /** The folder's absolute path. */
  readonly folder: string;
  /** The parsed `fixture.json`. */
  readonly info: <T>() => T;
  /** A file's bytes. */
  readonly bytes: (name: string) => Uint8Array;
  /** A safetensors file's tensors. */
  readonly tensors: (name: string) => Map<string, TensorValues>;
}

/** The files of the fixture folder at `url` (e.g. `new URL('../fixtures/hflayers/', import.meta.url)`). */
export function fixtureFolder(url: URL): FixtureFolder {
  const folder = fileURLToPath(url);
  const bytes = (file: string): Uint8Array => new Uint8Array(readFileSync(join(folder, file)));
  return {
    folder,
    info: <T>() => JSON.parse(readFileSync(join(folder, 'fixture.json'), 'utf8')) as T,
    bytes,
    tensors: (file) => decodeSafetensors(bytes(file), file).tensors,
  };
}

/** The fixture tensor `name` (an error naming it when it is missing). */
export function fixtureTensor(tensors: ReadonlyMap<string, TensorValues>, name: string): TensorValues {
  const t = tensors.get(name);
  if (!t) throw new Error(`fixture tensor "${name}" is missing`);
  return t;
}

/** The numbers of a fixture tensor, or the numbers themselves. */
function numbersOf(x: ArrayLike<number> | TensorValues): ArrayLike<number> {
  return 'shape' in x ? x.values : x;
}

/** Largest |x| (of a fixture tensor's values or of plain numbers). */
export function maxAbs(x: ArrayLike<number> | TensorValues): number {
  const v = numbersOf(x);
  let m = 0;
  for (let i = 0; i < v.length; i++) m = Math.max(m, Math.abs(v[i] as number));
  return m;
}

/** Largest |got - want| (the lengths must agree). */
export function maxDifference(got: ArrayLike<number>, want: ArrayLike<number> | TensorValues): number {
  const w = numbersOf(want);
  expect(got.length).toBe(w.length);
  let diff = 0;
  for (let i = 0; i < got.length; i++) diff = Math.max(diff, Math.abs((got[i] as number) - (w[i] as number)));
  return diff;
}

/** Largest |got - want| divided by the largest |want| (the lengths must agree). */
export function relativeError(got: ArrayLike<number>, want: ArrayLike<number> | TensorValues): number {
  return maxDifference(got, want) / maxAbs(want);
}

/** The values of named tensors, by name. */
export function valuesByName(tensors: ReadonlyMap<string, TensorValues>): Map<string, ArrayLike<number>> {
  return new Map([...tensors].map(([n, t]) => [n, t.values]));
}

/** Asserts two sets of named values are equal bit for bit (same names, same lengths, `Object.is` per element). */
export function expectBitExact(a: ReadonlyMap<string, ArrayLike<number>>, b: ReadonlyMap<string, ArrayLike<number>>): void {
  expect([...a.keys()].sort()).toEqual([...b.keys()].sort());
  for (const [name, values] of a) {
    const other = b.get(name) as ArrayLike<number>;
    expect(other.length, name).toBe(values.length);
    let same = true;
    for (let i = 0; i < values.length; i++) if (!Object.is(values[i], other[i])) same = false;
    expect(same, `${name} is bit-exact`).toBe(true);
  }
}

/** Asserts two sets of named tensors are equal bit for bit, shapes included. */
export function expectSameTensors(got: ReadonlyMap<string, TensorValues>, want: ReadonlyMap<string, TensorValues>): void {
  expectBitExact(valuesByName(got), valuesByName(want));
  for (const [n, t] of want) expect(got.get(n)?.shape, n).toEqual(t.shape);
}
