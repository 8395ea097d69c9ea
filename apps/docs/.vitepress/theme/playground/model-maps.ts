// Turns the internal maps a model recorded (read out of their tensors as plain arrays) into what
// the page draws: the per-patch write-competition overlay of each test image and heat-map panels.
// Pure functions over arrays, so they are tested without a model or a browser.
import type { HeatMap, MapPanel } from './protocol';

/** A recorded map read out of its tensor. */
export interface RecordedMap {
  readonly shape: readonly number[];
  readonly values: Float32Array;
}

/** The panels the page can show, in display order: the recorded map's name, how to reduce it, the caption. */
const PANELS: readonly { name: string; key: string; reduce: 'matrix' | 'first-sample'; caption: string }[] = [
  { name: 'block0/gwl/priors', key: 'priors', reduce: 'matrix', caption: 'priors (memory slots × width), block 1' },
  { name: 'block0/gwl/hopfield', key: 'hopfield', reduce: 'first-sample', caption: 'Hopfield associations (tokens × priors), first image' },
  {
    name: 'layer0/memory',
    key: 'workspace',
    reduce: 'first-sample',
    caption: 'workspace memory (slots × width) after layer 1, first image',
  },
  { name: 'layer0/broadcast', key: 'broadcast', reduce: 'first-sample', caption: 'workspace broadcast (tokens × slots), first image' },
  { name: 'block0/attention', key: 'attention', reduce: 'first-sample', caption: 'self-attention (tokens × tokens), first image' },
  { name: 'block0/token_coupling', key: 'token-coupling', reduce: 'matrix', caption: 'token mixing W_in W_out (tokens × tokens), block 1' },
  {
    name: 'block0/channel_coupling',
    key: 'channel-coupling',
    reduce: 'matrix',
    caption: 'channel mixing W_in W_out (channels × channels), block 1',
  },
];

/** The recorded write competitions the overlay shows, with the label of the overlay's switch. */
const GATES: readonly { name: string; label: string }[] = [
  { name: 'block0/gwl/gate', label: 'bottleneck gates' },
  { name: 'layer0/write', label: 'workspace writes' },
];

/** The names of the maps this file reads (the worker reads only these out of the model). */
export const DRAWN_MAPS: readonly string[] = [...PANELS.map((p) => p.name), ...GATES.map((g) => g.name)];

const size = (shape: readonly number[]): number => shape.reduce((a, b) => a * b, 1);

/**
 * A 2-D heat map of a recorded map: a matrix `[R, C]` as it is; with `first-sample`, a batch
 * `[batch, R, C]` gives its first sample, and `[batch, heads, R, C]` the first sample's mean over
 * heads. Undefined for other shapes.
 */
export function heatMapOf(map: RecordedMap, reduce: 'matrix' | 'first-sample'): HeatMap | undefined {
  const s = map.shape;
  if (reduce === 'matrix' && s.length === 2) return { rows: s[0] as number, cols: s[1] as number, values: map.values.slice(0, size(s)) };
  if (reduce !== 'first-sample' || s.length < 3 || s.length > 4) return undefined;
  const [rows, cols] = s.slice(-2) as [number, number];
  const heads = s.length === 4 ? (s[1] as number) : 1;
  const cell = rows * cols;
  const mean = new Float32Array(cell);
  for (let h = 0; h < heads; h++) {
    for (let j = 0; j < cell; j++) mean[j] = (mean[j] as number) + (map.values[h * cell + j] as number) / heads;
  }
  return { rows, cols, values: mean };
}

/**
 * The strongest write weight of each token of sample `sample` over heads and slots. `map` is
 * `[heads, slots, batch * tokens]` (AiT's gates with the batch competing as one pool, tokens of
 * sample i at `i * tokens + t`) or `[batch, heads, slots, tokens]` (per-sample competition).
 */
export function strongestWritePerToken(map: RecordedMap, sample: number, batch: number): Float32Array {
  const s = map.shape;
  const perSample = s.length === 4;
  const [heads, slots] = perSample ? [s[1] as number, s[2] as number] : [s[0] as number, s[1] as number];
  const last = s[s.length - 1] as number;
  const tokens = perSample ? last : last / batch;
  const out = new Float32Array(tokens);
  for (let h = 0; h < heads; h++) {
    for (let m = 0; m < slots; m++) {
      const row = perSample ? ((sample * heads + h) * slots + m) * tokens : (h * slots + m) * last + sample * tokens;
      for (let t = 0; t < tokens; t++) out[t] = Math.max(out[t] as number, map.values[row + t] as number);
    }
  }
  return out;
}

/**
 * Per-token values laid out on the square grid of image patches, dropping a leading class or
 * question token (both are prepended)
 * (`side * side + 1` tokens); undefined when the tokens do not form a square grid.
 */
export function tokenGrid(perToken: Float32Array): HeatMap | undefined {
  for (const skip of [0, 1]) {
    const side = Math.round(Math.sqrt(perToken.length - skip));
    if (side > 0 && side * side === perToken.length - skip) return { rows: side, cols: side, values: perToken.slice(skip) };
  }
  return undefined;
}

/** The heat-map panels of the maps a model recorded (only those it has), in display order. */
export function mapPanels(maps: Readonly<Record<string, RecordedMap>>): MapPanel[] {
  const panels: MapPanel[] = [];
  for (const p of PANELS) {
    const recorded = maps[p.name];
    const map = recorded && heatMapOf(recorded, p.reduce);
    if (map) panels.push({ key: p.key, caption: p.caption, map });
  }
  return panels;
}

/**
 * The write-competition overlay of each of `batch` samples, where the model records one (AiT's
 * bottleneck gates, Coordination's workspace writes), with the overlay's label.
 */
export function gateGrids(
  maps: Readonly<Record<string, RecordedMap>>,
  batch: number,
): { label: string; grids: (HeatMap | undefined)[] } | undefined {
  const gate = GATES.find((g) => maps[g.name]);
  const recorded = gate && maps[gate.name];
  if (!gate || !recorded) return undefined;
  const grids = Array.from({ length: batch }, (_, i) => tokenGrid(strongestWritePerToken(recorded, i, batch)));
  return { label: gate.label, grids };
}
