import type { TensorValues } from '@ait/core';

/**
 * Small checks and message pieces shared by the reference-code weight maps (official AiT,
 * Coordination, Set Transformer, paramixer, timm) when they compare named tensors with a map.
 */

/** Whether two shapes are equal, dimension by dimension. */
export function sameShape(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((d, i) => d === b[i]);
}

/** A shape for a message, e.g. `[3, 4]`. */
export function formatShape(shape: readonly number[]): string {
  return `[${shape.join(', ')}]`;
}

/** Tensor names for a message, quoted and comma-separated; past `max` names, how many more there are. */
export function quotedNames(names: readonly string[], max = 8): string {
  const shown = names
    .slice(0, max)
    .map((n) => `"${n}"`)
    .join(', ');
  return names.length > max ? `${shown}, ... (${names.length - max} more)` : shown;
}

/**
 * The tensors of a PyTorch `state_dict` saved from a DataParallel model lose their `module.`
 * prefix (only when every name has it; otherwise the same map is returned).
 */
export function withoutModulePrefix(tensors: ReadonlyMap<string, TensorValues>): ReadonlyMap<string, TensorValues> {
  const names = [...tensors.keys()];
  if (names.length === 0 || !names.every((n) => n.startsWith('module.'))) return tensors;
  return new Map(names.map((n) => [n.slice('module.'.length), tensors.get(n) as TensorValues]));
}

/**
 * The prefix of AiT.js weight names: whatever precedes `anchor` in the first name that is `anchor`
 * or ends with `/<anchor>`; `undefined` when no name does.
 */
export function anchorPrefix(names: Iterable<string>, anchor: string): string | undefined {
  for (const n of names) {
    if (n === anchor) return '';
    if (n.endsWith(`/${anchor}`)) return n.slice(0, n.length - anchor.length);
  }
  return undefined;
}
