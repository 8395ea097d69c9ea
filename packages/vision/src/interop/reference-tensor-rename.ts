import type { TensorValues } from '@ait/core';
import { formatShape, sameShape } from './reference-tensor-checks';

/** One tensor a weight map renames: where it is read, the shape it must have, where it goes. */
export interface TensorRename {
  /** Its name among the given tensors. */
  readonly from: string;
  /** The shape it must have there. */
  readonly fromShape: readonly number[];
  /** Its name in the result. */
  readonly to: string;
  /** What a shape problem says after `"<from>" has shape [..]; `, e.g. `the config gives [4, 8]`. */
  readonly shapeNeed: string;
  /** Its values rearranged for the other side (the shape already checked). */
  readonly convert: (tensor: TensorValues) => TensorValues;
}

/** What {@link renameTensors} found. */
export interface RenamedTensors {
  /** The converted tensors by their new names (those without a problem). */
  readonly tensors: Map<string, TensorValues>;
  /** The `from` names that were absent, in the order of the renames. */
  readonly missing: string[];
  /** One line per tensor of another dtype or shape, in the order of the renames. */
  readonly problems: string[];
  /** The `from` names that were present. */
  readonly used: Set<string>;
}

/**
 * Renames and converts `tensors` by `renames`, collecting every problem instead of stopping at the
 * first: absent tensors, tensors that are not float32 (unless `checkDtype` is false) and tensors of
 * another shape. Tensors no rename reads are left for the caller ({@link unreadNames}).
 */
export function renameTensors(
  renames: Iterable<TensorRename>,
  tensors: ReadonlyMap<string, TensorValues>,
  checkDtype = true,
): RenamedTensors {
  const out = new Map<string, TensorValues>();
  const missing: string[] = [];
  const problems: string[] = [];
  const used = new Set<string>();
  for (const r of renames) {
    const t = tensors.get(r.from);
    if (!t) {
      missing.push(r.from);
      continue;
    }
    used.add(r.from);
    if (checkDtype && t.dtype !== 'float32') problems.push(`"${r.from}" holds ${t.dtype} values; a float tensor was expected`);
    else if (!sameShape(t.shape, r.fromShape)) problems.push(`"${r.from}" has shape ${formatShape(t.shape)}; ${r.shapeNeed}`);
    else out.set(r.to, r.convert(t));
  }
  return { tensors: out, missing, problems, used };
}

/** The names of `tensors` not in `used`, in the map's order. */
export function unreadNames(tensors: ReadonlyMap<string, TensorValues>, used: ReadonlySet<string>): string[] {
  return [...tensors.keys()].filter((k) => !used.has(k));
}

/** The {@link TensorRename.shapeNeed} of a tensor read from reference code: its shape and that of its AiT.js weight. */
export function referenceShapeNeed(referenceShape: readonly number[], aitjs: string, aitjsShape: readonly number[]): string {
  return `this config needs ${formatShape(referenceShape)} (AiT.js "${aitjs}" ${formatShape(aitjsShape)})`;
}

/** The {@link TensorRename.shapeNeed} of an AiT.js weight. */
export function aitjsShapeNeed(aitjsShape: readonly number[]): string {
  return `the config gives ${formatShape(aitjsShape)}`;
}
