import { type HeatmapPanel, type PanelImage, type PanelScale, UNIT_SCALE } from './svg-heatmap';

/** A map's values and shape (batch axis already removed). */
export interface MapValues {
  readonly shape: readonly number[];
  readonly values: ArrayLike<number>;
}

/**
 * Last name segments of maps whose values are probabilities, gate weights or 0/1 selections
 * (drawn on the shared fixed scale [0, 1]).
 */
const UNIT_MAPS = new Set(['gate', 'selection', 'attention', 'hopfield', 'cross_attention', 'write', 'broadcast']);

/** The colour scale of map `name`: [0, 1] for probabilities, gates and selections, min..max otherwise. */
export function scaleOfMap(name: string): PanelScale {
  return UNIT_MAPS.has(name.split('/').pop() ?? name) ? UNIT_SCALE : { kind: 'range' };
}

/**
 * The part of map `name` (shape `shape`) that belongs to the first image of a batch of `batch`
 * images of `tokens` tokens each: a leading batch axis is dropped (index 0), and with batch
 * competition (`batchTokens`) the token axis `batch * tokens` of `gate` / `selection` maps
 * (`[heads, M, batch * tokens]`) is cut to the first image's `tokens`.
 */
export function firstImageMap(
  name: string,
  shape: readonly number[],
  values: ArrayLike<number>,
  batch: number,
  tokens: number | null,
  batchTokens: boolean,
): MapValues {
  const last = name.split('/').pop() ?? name;
  if (
    batchTokens &&
    batch > 1 &&
    tokens !== null &&
    (last === 'gate' || last === 'selection') &&
    shape[shape.length - 1] === batch * tokens
  ) {
    const lead = shape.slice(0, -1).reduce((a, b) => a * b, 1);
    const out = new Float32Array(lead * tokens);
    for (let r = 0; r < lead; r++) for (let t = 0; t < tokens; t++) out[r * tokens + t] = values[r * batch * tokens + t] as number;
    return { shape: [...shape.slice(0, -1), tokens], values: out };
  }
  if (shape[0] === batch && shape.length >= 3) {
    const size = shape.slice(1).reduce((a, b) => a * b, 1);
    return { shape: shape.slice(1), values: Array.prototype.slice.call(values, 0, size) as number[] };
  }
  return { shape, values };
}

/**
 * The patch grid of `tokens` tokens: `side x side` patch tokens after `prefix` (at most 2: a
 * question token and / or a class token, which come first), or `null` when no such split exists.
 */
export function patchGrid(tokens: number): { side: number; prefix: number } | null {
  const side = Math.floor(Math.sqrt(tokens));
  const prefix = tokens - side * side;
  return side >= 1 && prefix <= 2 ? { side, prefix } : null;
}

/** RGB bytes of an image `[h, w, c]` with values in [0, 1] (1 channel: grey; other counts: the first channel as grey). */
export function imageRgb(values: ArrayLike<number>, h: number, w: number, c: number): PanelImage {
  const rgb = new Uint8Array(h * w * 3);
  for (let i = 0; i < h * w; i++) {
    for (let k = 0; k < 3; k++) {
      const v = values[i * c + (c === 3 ? k : 0)] as number;
      rgb[i * 3 + k] = Math.round(Math.min(1, Math.max(0, Number.isFinite(v) ? v : 0)) * 255);
    }
  }
  return { rows: h, cols: w, rgb };
}

function patchValues(row: (t: number) => number, grid: { side: number; prefix: number }): Float32Array {
  const n = grid.side * grid.side;
  return Float32Array.from({ length: n }, (_, t) => row(grid.prefix + t));
}

/**
 * Panels that overlay a token map on the input `image`, one per head / slot (at most
 * `maxPanels`), each a `side x side` grid of patch-token values:
 *
 * - `selection` `[heads, M, N]`: the share of the M slots that selected each patch (scale [0, 1]);
 * - `gate` `[heads, M, N]`: the largest gate weight any slot gives each patch ([0, 1]);
 * - `attention` `[heads, N, N]`: the attention each patch receives, averaged over the queries (min..max);
 * - `hopfield` / `cross_attention` `[N, M]` or `[heads, N, M]`: each token's association with prior m
 *   (averaged over heads; [0, 1]).
 *
 * Returns `[]` for other maps, or when the token axis is not a patch grid (see {@link patchGrid}).
 */
export function overlayPanels(name: string, map: MapValues, image: PanelImage, maxPanels = 8): { panels: HeatmapPanel[]; what: string } {
  const last = name.split('/').pop() ?? name;
  const { shape, values } = map;
  const at = (i: number): number => values[i] as number;
  if ((last === 'selection' || last === 'gate') && shape.length === 3) {
    const [heads, slots, tokens] = shape as [number, number, number];
    const grid = patchGrid(tokens);
    if (!grid) return { panels: [], what: '' };
    const panels = Array.from({ length: Math.min(heads, maxPanels) }, (_, h): HeatmapPanel => {
      const row = (t: number): number => {
        let acc = last === 'selection' ? 0 : Number.NEGATIVE_INFINITY;
        for (let m = 0; m < slots; m++) {
          const v = at((h * slots + m) * tokens + t);
          acc = last === 'selection' ? acc + v / slots : Math.max(acc, v);
        }
        return acc;
      };
      return { title: `head ${h}`, rows: grid.side, cols: grid.side, values: patchValues(row, grid), scale: UNIT_SCALE, image };
    });
    const what =
      last === 'selection'
        ? `share of the ${slots} memory slots that selected each patch token`
        : `largest gate weight any of the ${slots} slots gives each patch token`;
    return { panels, what };
  }
  if (last === 'attention' && shape.length === 3 && shape[1] === shape[2]) {
    const [heads, tokens] = shape as [number, number, number];
    const grid = patchGrid(tokens);
    if (!grid) return { panels: [], what: '' };
    const panels = Array.from({ length: Math.min(heads, maxPanels) }, (_, h): HeatmapPanel => {
      const row = (t: number): number => {
        let acc = 0;
        for (let q = 0; q < tokens; q++) acc += at((h * tokens + q) * tokens + t) / tokens;
        return acc;
      };
      return { title: `head ${h}`, rows: grid.side, cols: grid.side, values: patchValues(row, grid), scale: { kind: 'range' }, image };
    });
    return { panels, what: 'attention each patch token receives, averaged over the queries' };
  }
  if ((last === 'hopfield' || last === 'cross_attention') && (shape.length === 2 || shape.length === 3)) {
    const [heads, tokens, slots] = (shape.length === 2 ? [1, ...shape] : shape) as [number, number, number];
    const grid = patchGrid(tokens);
    if (!grid) return { panels: [], what: '' };
    const panels = Array.from({ length: Math.min(slots, maxPanels) }, (_, m): HeatmapPanel => {
      const row = (t: number): number => {
        let acc = 0;
        for (let h = 0; h < heads; h++) acc += at((h * tokens + t) * slots + m) / heads;
        return acc;
      };
      return { title: `prior ${m}`, rows: grid.side, cols: grid.side, values: patchValues(row, grid), scale: UNIT_SCALE, image };
    });
    return {
      panels,
      what: `association weight of each patch token with each of the ${slots} priors${heads > 1 ? ' (mean over heads)' : ''}`,
    };
  }
  return { panels: [], what: '' };
}
