import type { TensorValues } from '@ait/core';
import { HflayersInteropError } from './hflayers-error';
import type { HflayersWeightMap, HflayersWeightPair } from './hflayers-weight-map';

function sameShape(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((d, i) => d === b[i]);
}

function fmt(shape: readonly number[]): string {
  return `[${shape.join(', ')}]`;
}

function listed(names: readonly string[], max = 8): string {
  const shown = names
    .slice(0, max)
    .map((n) => `"${n}"`)
    .join(', ');
  return names.length > max ? `${shown}, ... (${names.length - max} more)` : shown;
}

function product(shape: readonly number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}

/** Elements per row of axis 0 of `shape`. */
function rowSize(shape: readonly number[]): number {
  return product(shape.slice(1));
}

/** `x [rows, cols]` (row-major) transposed to `[cols, rows]`. */
function transpose(x: ArrayLike<number>, rows: number, cols: number): Float32Array {
  const out = new Float32Array(rows * cols);
  for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) out[c * rows + r] = x[r * cols + c] as number;
  return out;
}

/** The AiT.js values of `pair` from the (whole) hflayers tensor's values. */
function toAitjs(pair: HflayersWeightPair, values: ArrayLike<number>): Float32Array {
  const per = rowSize(pair.hflayersShape);
  const [start, end] = pair.rows ?? [0, pair.hflayersShape[0] ?? 1];
  const all = values instanceof Float32Array ? values : Float32Array.from(values);
  const block = all.slice(start * per, end * per);
  if (pair.layout !== 'transpose') return block;
  return transpose(block, end - start, per);
}

/** Writes the AiT.js values of `pair` into `target`, the whole hflayers tensor's values. */
function intoHflayers(pair: HflayersWeightPair, values: ArrayLike<number>, target: Float32Array): void {
  const per = rowSize(pair.hflayersShape);
  const start = pair.rows?.[0] ?? 0;
  const block = pair.layout === 'transpose' ? transpose(values, pair.aitjsShape[0] as number, pair.aitjsShape[1] as number) : values;
  for (let i = 0; i < block.length; i++) target[start * per + i] = block[i] as number;
}

/** hflayers names with a DataParallel `module.` prefix lose it (when every name has it). */
function withoutModulePrefix(tensors: ReadonlyMap<string, TensorValues>): ReadonlyMap<string, TensorValues> {
  const names = [...tensors.keys()];
  if (names.length === 0 || !names.every((n) => n.startsWith('module.'))) return tensors;
  return new Map(names.map((n) => [n.slice('module.'.length), tensors.get(n) as TensorValues]));
}

/** What {@link hflayersToAitjsTensors} returns. */
export interface AitjsTensorsFromHflayers {
  /** AiT.js weights by name below the layer. */
  readonly tensors: Map<string, TensorValues>;
  /** hflayers tensors (or rows of them, `name[start:end]`) that the module never reads and were not loaded. */
  readonly ignored: readonly string[];
}

/**
 * hflayers `state_dict` tensors (e.g. a decoded safetensors file) renamed and rearranged into the
 * AiT.js weights of `map` (names below the layer). Every tensor must be there, with its shape and
 * a float dtype, and nothing else (a DataParallel `module.` prefix is removed): all problems are
 * reported at once in an {@link HflayersInteropError} (`mismatch`).
 */
export function hflayersToAitjsTensors(
  map: HflayersWeightMap,
  given: ReadonlyMap<string, TensorValues>,
  where: string,
): AitjsTensorsFromHflayers {
  const tensors = withoutModulePrefix(given);
  const problems: string[] = [];
  const missing: string[] = [];
  for (const [name, shape] of map.tensors) {
    const t = tensors.get(name);
    if (!t) missing.push(name);
    else if (t.dtype !== 'float32') problems.push(`"${name}" holds ${t.dtype} values; a float tensor was expected`);
    else if (!sameShape(t.shape, shape)) problems.push(`"${name}" has shape ${fmt(t.shape)}; this config needs ${fmt(shape)}`);
  }
  if (missing.length > 0) problems.push(`missing: ${listed(missing)}`);
  const unexpected = [...tensors.keys()].filter((k) => !map.tensors.has(k));
  if (unexpected.length > 0) {
    const hint = unexpected.some((n) => /(^|\.)(pooling_weights|lookup_weights|target_weights)$/.test(n))
      ? ' (learned patterns of another wrapper: check the module)'
      : unexpected.some((n) => /association_core\.(q|k|v)_proj_weight$|in_proj_weight$/.test(n))
        ? ' (another projection layout: pattern_size, stored_pattern_size or pattern_projection_size differ from the config)'
        : '';
    problems.push(`not in the hflayers module of this config: ${listed(unexpected)}${hint}`);
  }
  if (problems.length > 0) throw new HflayersInteropError('mismatch', where, problems);
  const out = new Map<string, TensorValues>();
  for (const p of map.pairs) {
    const t = tensors.get(p.hflayers) as TensorValues;
    out.set(p.aitjs, { dtype: 'float32', shape: [...p.aitjsShape], values: toAitjs(p, t.values) });
  }
  const ignored = map.unused.map((u) => (u.rows ? `${u.hflayers}[${u.rows[0]}:${u.rows[1]}]` : u.hflayers));
  return { tensors: out, ignored };
}

/**
 * AiT.js weights (names below the layer) renamed and rearranged into the hflayers `state_dict` of
 * `map`; the numbers hflayers allocates but never reads ({@link HflayersWeightMap.unused}) are
 * zeros. Every weight of the map must be there with its shape, and nothing else; problems are
 * reported at once in an {@link HflayersInteropError} (`mismatch`).
 */
export function aitjsToHflayersTensors(
  map: HflayersWeightMap,
  weights: ReadonlyMap<string, TensorValues>,
  where: string,
): Map<string, TensorValues> {
  const problems: string[] = [];
  const missing: string[] = [];
  const used = new Set<string>();
  for (const p of map.pairs) {
    const t = weights.get(p.aitjs);
    if (!t) {
      missing.push(p.aitjs);
      continue;
    }
    used.add(p.aitjs);
    if (t.dtype !== 'float32') problems.push(`"${p.aitjs}" holds ${t.dtype} values; a float tensor was expected`);
    else if (!sameShape(t.shape, p.aitjsShape))
      problems.push(`"${p.aitjs}" has shape ${fmt(t.shape)}; the config gives ${fmt(p.aitjsShape)}`);
  }
  if (missing.length > 0) problems.push(`missing: ${listed(missing)}`);
  const unexpected = [...weights.keys()].filter((k) => !used.has(k));
  if (unexpected.length > 0) problems.push(`not in the hflayers module of this config: ${listed(unexpected)}`);
  if (problems.length > 0) throw new HflayersInteropError('mismatch', where, problems);
  const out = new Map<string, Float32Array>();
  for (const [name, shape] of map.tensors) out.set(name, new Float32Array(product(shape)));
  for (const p of map.pairs) intoHflayers(p, (weights.get(p.aitjs) as TensorValues).values, out.get(p.hflayers) as Float32Array);
  return new Map([...out].map(([name, values]) => [name, { dtype: 'float32', shape: [...(map.tensors.get(name) as number[])], values }]));
}
