import type { TensorValues } from '@ait/core';
import { formatShape, quotedNames, sameShape } from './reference-tensor-checks';

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
 * another shape. Tensors no rename reads are listed by {@link nameProblems}.
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

/** How {@link nameProblems} words and completes its lines. */
export interface NameProblemOptions {
  /** The model whose names the tensors must have, e.g. `the official model`, `timm's model`. */
  readonly model: string;
  /** At most this many names per line (default 8; `Infinity` lists all). */
  readonly maxNames?: number;
  /** Lines after the missing names, e.g. which option would add them. */
  readonly missingHints?: (missing: readonly string[]) => readonly string[];
  /** Lines after the unexpected names, e.g. which option would use them. */
  readonly unexpectedHints?: (unexpected: readonly string[]) => readonly string[];
}

/**
 * Every problem of a rename, in order: the dtype and shape lines of {@link renameTensors}, then
 * `missing: ...` for absent tensors and `not in <model> of this config: ...` for tensors of
 * `tensors` no rename read (each with its hints). Empty when the tensors fit.
 */
export function nameProblems(result: RenamedTensors, tensors: ReadonlyMap<string, TensorValues>, options: NameProblemOptions): string[] {
  const problems = [...result.problems];
  const max = options.maxNames ?? 8;
  if (result.missing.length > 0) {
    problems.push(`missing: ${quotedNames(result.missing, max)}`, ...(options.missingHints?.(result.missing) ?? []));
  }
  const unexpected = unreadNames(tensors, result.used);
  if (unexpected.length > 0) {
    problems.push(
      `not in ${options.model} of this config: ${quotedNames(unexpected, max)}`,
      ...(options.unexpectedHints?.(unexpected) ?? []),
    );
  }
  return problems;
}

/** The names of `tensors` not in `used`, in the map's order. */
function unreadNames(tensors: ReadonlyMap<string, TensorValues>, used: ReadonlySet<string>): string[] {
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

/** The AiT.js side of a weight map's pair, as the rename drivers read it. */
export interface AitjsSide {
  /** The AiT.js weight name below the model. */
  readonly aitjs: string;
  /** Its shape in AiT.js. */
  readonly aitjsShape: readonly number[];
}

/** The other side of a pair: its name and shape in the reference code's `state_dict`. */
export type ReferenceSide = readonly [name: string, shape: readonly number[]];

/**
 * The tensors of a map's `pairs` renamed one way or the other (see {@link renameTensors}):
 * `to-aitjs` reads reference tensors into the AiT.js weights `<prefix><aitjs>`, `to-reference`
 * reads those weights into reference tensors. `referenceOf` gives a pair's reference name and
 * shape, `convert` rearranges a tensor whose shape was checked; dtypes are checked only with
 * `checkDtype`.
 */
export function renamePairs<P extends AitjsSide>(
  direction: 'to-aitjs' | 'to-reference',
  pairs: readonly P[],
  referenceOf: (pair: P) => ReferenceSide,
  convert: (tensor: TensorValues, pair: P) => TensorValues,
  tensors: ReadonlyMap<string, TensorValues>,
  prefix: string,
  checkDtype = true,
): RenamedTensors {
  const renames = pairs.map((p): TensorRename => {
    const [name, shape] = referenceOf(p);
    const aitjs = `${prefix}${p.aitjs}`;
    const rearrange = (t: TensorValues): TensorValues => convert(t, p);
    return direction === 'to-aitjs'
      ? { from: name, fromShape: shape, to: aitjs, shapeNeed: referenceShapeNeed(shape, p.aitjs, p.aitjsShape), convert: rearrange }
      : { from: aitjs, fromShape: p.aitjsShape, to: name, shapeNeed: aitjsShapeNeed(p.aitjsShape), convert: rearrange };
  });
  return renameTensors(renames, tensors, checkDtype);
}
