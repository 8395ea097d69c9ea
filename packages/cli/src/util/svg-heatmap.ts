import { type Figure, type FigureItem, textWidth, wrapText } from './figure';

/** Colour stops of the heat maps (viridis: dark blue, teal, green, yellow), from low to high values. */
const STOPS: readonly (readonly [number, number, number])[] = [
  [68, 1, 84],
  [59, 82, 139],
  [33, 145, 140],
  [94, 201, 98],
  [253, 231, 37],
];

/** Maps `t` in [0, 1] (clamped; not finite counts as 0) to the RGB bytes of the heat-map scale. */
export function heatRgb(t: number): [number, number, number] {
  const x = Math.min(1, Math.max(0, Number.isFinite(t) ? t : 0)) * (STOPS.length - 1);
  const i = Math.min(STOPS.length - 2, Math.floor(x));
  const f = x - i;
  const a = STOPS[i] as readonly [number, number, number];
  const b = STOPS[i + 1] as readonly [number, number, number];
  return [0, 1, 2].map((k) => Math.round((a[k] as number) + ((b[k] as number) - (a[k] as number)) * f)) as [number, number, number];
}

/** Maps `t` in [0, 1] to an `rgb(...)` colour of the heat-map scale. */
export function heatColour(t: number): string {
  const [r, g, b] = heatRgb(t);
  return `rgb(${r},${g},${b})`;
}

/**
 * The colour scale of a panel: `fixed` maps `[lo, hi]` to the colour bar whatever the values
 * (so maps of probabilities, gates and selections are comparable and an all-ones map shows as 1,
 * not as "the maximum"); `range` stretches the panel's own minimum..maximum.
 */
export type PanelScale = { readonly kind: 'fixed'; readonly lo: number; readonly hi: number } | { readonly kind: 'range' };

/** The shared scale of probabilities, gate weights and 0/1 selections. */
export const UNIT_SCALE: PanelScale = { kind: 'fixed', lo: 0, hi: 1 };

/** An RGB image `rows x cols` (bytes, row-major, 3 per pixel) that a panel shows, alone or under its heat map. */
export interface PanelImage {
  readonly rows: number;
  readonly cols: number;
  readonly rgb: Uint8Array;
}

/**
 * One panel of a heat-map figure: `rows x cols` values, row-major, drawn with a colour bar, or
 * only `image` (no `values`), or `values` upsampled (nearest) onto `image` and drawn over it
 * semi-transparently (an overlay of token maps on the input).
 */
export interface HeatmapPanel {
  readonly title: string;
  readonly rows: number;
  readonly cols: number;
  readonly values?: ArrayLike<number>;
  /** Colour scale of `values`; default `range` (give {@link UNIT_SCALE} for probabilities and gates). */
  readonly scale?: PanelScale;
  readonly image?: PanelImage;
}

/** Opacity of a heat map drawn over an image. */
export const OVERLAY_OPACITY = 0.55;

const BAR_WIDTH = 12;
const FONT = 11;
const TITLE_FONT = 14;
const GAP = 18;

function finiteRange(values: ArrayLike<number>, n: number): { lo: number; hi: number } | null {
  let lo = Number.POSITIVE_INFINITY;
  let hi = Number.NEGATIVE_INFINITY;
  for (let i = 0; i < n; i++) {
    const v = values[i] as number;
    if (Number.isFinite(v)) {
      lo = Math.min(lo, v);
      hi = Math.max(hi, v);
    }
  }
  return Number.isFinite(lo) ? { lo, hi } : null;
}

function fmt(v: number): string {
  return Number.isInteger(v) ? String(v) : v.toPrecision(3);
}

/** RGB bytes of `values` on the scale `[lo, hi]` (`lo == hi`: the middle colour). */
function heatBytes(values: ArrayLike<number>, n: number, lo: number, hi: number): Uint8Array {
  const rgb = new Uint8Array(n * 3);
  for (let i = 0; i < n; i++) {
    const v = values[i] as number;
    const t = hi > lo ? (v - lo) / (hi - lo) : 0.5;
    rgb.set(heatRgb(t), i * 3);
  }
  return rgb;
}

/** `values` (`rows x cols`) upsampled by nearest neighbour to `height x width`. */
function upsample(values: ArrayLike<number>, rows: number, cols: number, height: number, width: number): Float64Array {
  const out = new Float64Array(height * width);
  for (let y = 0; y < height; y++) {
    const r = Math.min(rows - 1, Math.floor((y * rows) / height));
    for (let x = 0; x < width; x++) out[y * width + x] = values[r * cols + Math.min(cols - 1, Math.floor((x * cols) / width))] as number;
  }
  return out;
}

interface PanelLayout {
  readonly panel: HeatmapPanel;
  /** Grid the panel draws (the image's when it has one). */
  readonly gridRows: number;
  readonly gridCols: number;
  readonly cell: number;
  readonly hasBar: boolean;
  readonly titleLines: readonly { readonly text: string; readonly sub: boolean }[];
  readonly subtitle: string;
  readonly range: { lo: number; hi: number } | null;
  readonly width: number;
  readonly height: number;
}

/**
 * A figure of heat maps side by side (wrapping after `perRow` panels). Every heat map has a colour
 * bar with its scale's ends and middle written beside it; the figure's title and `caption` lines
 * and each panel's title are wrapped to the figure's width, so nothing is clipped. Render it with
 * `figureSvg` / `figurePng`.
 */
export function heatmapFigure(
  title: string,
  panels: readonly HeatmapPanel[],
  options: { caption?: readonly string[]; cell?: number; perRow?: number; maxWidth?: number } = {},
): Figure {
  const perRow = Math.max(1, options.perRow ?? 4);
  const maxSide = Math.max(1, ...panels.map((p) => (p.image ? Math.max(p.image.rows, p.image.cols) : Math.max(p.rows, p.cols))));
  const cell = options.cell ?? Math.max(1, Math.min(12, Math.floor(200 / maxSide)));
  const layouts: PanelLayout[] = panels.map((p) => {
    const gridRows = p.image ? p.image.rows : p.rows;
    const gridCols = p.image ? p.image.cols : p.cols;
    const hasBar = p.values !== undefined;
    const range = p.values ? finiteRange(p.values, p.rows * p.cols) : null;
    const mapWidth = gridCols * cell + (hasBar ? 8 + BAR_WIDTH + 4 + textWidth('-0.000', FONT) : 0);
    const width = Math.max(mapWidth, 200);
    const scaleText =
      p.values === undefined ? '' : p.scale?.kind === 'fixed' ? `, scale fixed ${fmt(p.scale.lo)}..${fmt(p.scale.hi)}` : ', scale min..max';
    const subtitle = `${p.rows}x${p.cols}${range ? `, values ${fmt(range.lo)}..${fmt(range.hi)}` : p.values ? ', no finite values' : ''}${scaleText}`;
    const titleLines = wrapText(p.title, width, FONT);
    const subtitleLines = wrapText(subtitle, width, FONT);
    return {
      panel: p,
      gridRows,
      gridCols,
      cell,
      hasBar,
      titleLines: [...titleLines.map((text) => ({ text, sub: false })), ...subtitleLines.map((text) => ({ text, sub: true }))],
      subtitle,
      range,
      width,
      height: Math.max(gridRows * cell, hasBar ? 60 : 0) + 6 + (titleLines.length + subtitleLines.length) * (FONT + 3),
    };
  });
  const cols = Math.min(perRow, Math.max(1, layouts.length));
  const colWidth = Math.max(...layouts.map((l) => l.width), 200);
  const contentWidth = GAP + cols * (colWidth + GAP);
  const wanted = Math.max(textWidth(title, TITLE_FONT), ...(options.caption ?? []).map((c) => textWidth(c, FONT + 1)));
  const width = Math.max(contentWidth, Math.min(options.maxWidth ?? 900, GAP * 2 + wanted));
  const items: FigureItem[] = [];
  let y = GAP;
  for (const line of wrapText(title, width - 2 * GAP, TITLE_FONT)) {
    y += TITLE_FONT + 3;
    items.push({ kind: 'text', x: GAP, y, text: line, size: TITLE_FONT, bold: true });
  }
  for (const c of options.caption ?? []) {
    for (const line of wrapText(c, width - 2 * GAP, FONT + 1)) {
      y += FONT + 4;
      items.push({ kind: 'text', x: GAP, y, text: line, size: FONT + 1, colour: '#333333' });
    }
  }
  y += 12;
  for (let start = 0; start < layouts.length; start += perRow) {
    const row = layouts.slice(start, start + perRow);
    const rowHeight = Math.max(...row.map((l) => l.height));
    row.forEach((l, n) => {
      const ox = GAP + n * (colWidth + GAP);
      const p = l.panel;
      const mapW = l.gridCols * l.cell;
      const mapH = l.gridRows * l.cell;
      if (p.image) items.push({ kind: 'pixels', x: ox, y, rows: p.image.rows, cols: p.image.cols, scale: l.cell, rgb: p.image.rgb });
      let lo = 0;
      let hi = 1;
      if (p.values) {
        if (p.scale?.kind === 'fixed') ({ lo, hi } = p.scale);
        else if (l.range) ({ lo, hi } = l.range);
        const values = p.image ? upsample(p.values, p.rows, p.cols, p.image.rows, p.image.cols) : p.values;
        const n = l.gridRows * l.gridCols;
        items.push({
          kind: 'pixels',
          x: ox,
          y,
          rows: l.gridRows,
          cols: l.gridCols,
          scale: l.cell,
          rgb: heatBytes(values, n, lo, hi),
          ...(p.image ? { opacity: OVERLAY_OPACITY } : {}),
        });
        // colour bar: top = hi, bottom = lo
        const barH = Math.max(mapH, 60);
        const bx = ox + mapW + 8;
        const bar = new Uint8Array(barH * 3);
        for (let r = 0; r < barH; r++) bar.set(heatRgb(1 - r / Math.max(1, barH - 1)), r * 3);
        items.push({ kind: 'pixels', x: bx, y, rows: barH, cols: BAR_WIDTH, scale: 1, rgb: widen(bar, barH, BAR_WIDTH) });
        items.push({ kind: 'rect', x: bx, y, width: BAR_WIDTH, height: barH, stroke: '#666666' });
        const tx = bx + BAR_WIDTH + 4;
        items.push({ kind: 'text', x: tx, y: y + FONT - 2, text: fmt(hi), size: FONT - 1 });
        items.push({ kind: 'text', x: tx, y: y + Math.round(barH / 2) + 4, text: fmt((lo + hi) / 2), size: FONT - 1 });
        items.push({ kind: 'text', x: tx, y: y + barH, text: fmt(lo), size: FONT - 1 });
      }
      let ty = y + Math.max(mapH, l.hasBar ? 60 : 0) + 4;
      for (const line of l.titleLines) {
        ty += FONT + 3;
        items.push({ kind: 'text', x: ox, y: ty, text: line.text, size: FONT, ...(line.sub ? { colour: '#666666' } : {}) });
      }
    });
    y += rowHeight + GAP;
  }
  return { width, height: y, items };
}

/** A one-column bar (`rows` RGB pixels) repeated `width` times across. */
function widen(bar: Uint8Array, rows: number, width: number): Uint8Array {
  const out = new Uint8Array(rows * width * 3);
  for (let r = 0; r < rows; r++) for (let c = 0; c < width; c++) out.set(bar.subarray(r * 3, r * 3 + 3), (r * width + c) * 3);
  return out;
}

/**
 * Splits a tensor's values of shape `shape` into 2-D panels over its last two axes (a rank-1
 * tensor becomes one row). Leading axes enumerate the panels, at most `maxPanels` of them, named
 * by their indices (e.g. `head 2`), each with the given colour `scale`.
 */
export function panelsOf(
  values: ArrayLike<number>,
  shape: readonly number[],
  label: string,
  scale: PanelScale = { kind: 'range' },
  maxPanels = 16,
): HeatmapPanel[] {
  const dims = shape.length === 0 ? [1, 1] : shape.length === 1 ? [1, shape[0] as number] : [...shape];
  const rows = dims[dims.length - 2] as number;
  const cols = dims[dims.length - 1] as number;
  const lead = dims.slice(0, -2);
  const count = lead.reduce((a, b) => a * b, 1);
  const panels: HeatmapPanel[] = [];
  for (let k = 0; k < Math.min(count, maxPanels); k++) {
    const idx: number[] = [];
    let rest = k;
    for (let d = lead.length - 1; d >= 0; d--) {
      idx.unshift(rest % (lead[d] as number));
      rest = Math.floor(rest / (lead[d] as number));
    }
    const start = k * rows * cols;
    panels.push({
      title: lead.length > 0 ? `${label} ${idx.join(',')}` : label,
      rows,
      cols,
      values: Array.prototype.slice.call(values, start, start + rows * cols) as number[],
      scale,
    });
  }
  return panels;
}
