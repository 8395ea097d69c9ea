import type { LayerVariable, layers } from '@tensorflow/tfjs-layers';
import { AitLayer } from '../layers/ait-layer';
import { countParameters, splitWeights, weightSize } from './parameter-count';

/** Options of {@link modelSummary}. */
export interface ModelSummaryOptions {
  /** Most weight rows to print (positive integer); the rest are summarised in one line. Default: all. */
  maxRows?: number;
}

interface Group {
  readonly title: string;
  readonly weights: LayerVariable[];
}

/** The layers directly below `layer`: a model's `layers`, an AitLayer's children, else none. */
function topLevelLayers(layer: layers.Layer): layers.Layer[] {
  const maybe = (layer as unknown as { layers?: unknown }).layers;
  if (Array.isArray(maybe)) return maybe as layers.Layer[];
  if (layer instanceof AitLayer) return [...layer.children];
  return [];
}

function describeLayer(layer: layers.Layer): string {
  return `${layer.name} (${layer.getClassName()})`;
}

function formatCount(n: number): string {
  return n.toLocaleString('en-US');
}

/**
 * A text table: one row per weight (name, shape, count, trainable?) grouped by top-level layer, then totals.
 *
 * Groups are the model's `layers` (for a `tf.LayersModel` / `tf.Sequential`) or the tracked
 * children of an {@link AitLayer}; weights owned by the layer itself come first under its own
 * name. Weight names are `originalName`s (stable across processes). Totals are those of
 * {@link countParameters}: `Trainable params`, `Non-trainable params`, `Total params`, with
 * thousands separators (`1,234`). With `maxRows`, only the first `maxRows` weight rows are
 * printed and one line says how many weights and parameters were left out; totals stay exact.
 * Throws if the layer is not built or `maxRows` is not a positive integer.
 */
export function modelSummary(layer: layers.Layer, options?: ModelSummaryOptions): string {
  const maxRows = options?.maxRows ?? Number.POSITIVE_INFINITY;
  if (maxRows !== Number.POSITIVE_INFINITY && (!Number.isInteger(maxRows) || maxRows < 1)) {
    throw new Error(`modelSummary: maxRows must be a positive integer, got ${String(options?.maxRows)}.`);
  }
  const { trainable, nonTrainable } = splitWeights('modelSummary', layer);
  const trainableIds = new Set(trainable.map((w) => w.id));
  const all = [...trainable, ...nonTrainable];
  const totals = countParameters(layer);

  // Assign every weight to the first top-level layer that holds it, else to the layer itself.
  const assigned = new Set<number>();
  const childGroups: Group[] = [];
  for (const child of topLevelLayers(layer)) {
    const ids = new Set(child.weights.map((w) => w.id));
    const weights = all.filter((w) => ids.has(w.id) && !assigned.has(w.id));
    for (const w of weights) assigned.add(w.id);
    if (weights.length > 0) childGroups.push({ title: describeLayer(child), weights });
  }
  const own = all.filter((w) => !assigned.has(w.id));
  const groups: Group[] = own.length > 0 ? [{ title: describeLayer(layer), weights: own }, ...childGroups] : childGroups;

  const header = ['Weight', 'Shape', 'Params', 'Trainable'] as const;
  type Row = [string, string, string, string];
  const lines: (Row | string)[] = [];
  let shown = 0;
  let hiddenWeights = 0;
  let hiddenParams = 0;
  for (const group of groups) {
    for (const w of group.weights) {
      if (shown >= maxRows) {
        hiddenWeights++;
        hiddenParams += weightSize(w);
        continue;
      }
      if (w === group.weights[0]) lines.push(group.title);
      lines.push([`  ${w.originalName}`, `[${w.shape.join(', ')}]`, formatCount(weightSize(w)), trainableIds.has(w.id) ? 'yes' : 'no']);
      shown++;
    }
  }

  const rows = lines.filter((l): l is Row => Array.isArray(l));
  const width = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]?.length ?? 0)));
  const format = (r: readonly string[]): string =>
    [(r[0] ?? '').padEnd(width[0] ?? 0), (r[1] ?? '').padEnd(width[1] ?? 0), (r[2] ?? '').padStart(width[2] ?? 0), r[3] ?? '']
      .join('  ')
      .trimEnd();
  const headerLine = format(header);
  const rule = '='.repeat(Math.max(headerLine.length, 40));

  const out: string[] = [`Model summary: ${describeLayer(layer)}`, headerLine, rule];
  if (groups.length === 0) out.push('(no weights)');
  for (const line of lines) out.push(typeof line === 'string' ? line : format(line));
  if (hiddenWeights > 0) {
    out.push(
      `... ${formatCount(hiddenWeights)} more weight(s) with ${formatCount(hiddenParams)} parameters not shown ` + `(maxRows = ${maxRows})`,
    );
  }
  out.push(rule);
  out.push(`Trainable params: ${formatCount(totals.trainable)}`);
  out.push(`Non-trainable params: ${formatCount(totals.nonTrainable)}`);
  out.push(`Total params: ${formatCount(totals.total)}`);
  return out.join('\n');
}
