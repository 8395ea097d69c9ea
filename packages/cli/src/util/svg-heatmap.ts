/** Colour stops (dark blue, teal, yellow) of the heat maps, from low to high values. */
const STOPS: readonly (readonly [number, number, number])[] = [
  [68, 1, 84],
  [59, 82, 139],
  [33, 145, 140],
  [94, 201, 98],
  [253, 231, 37],
];

/** Maps `t` in [0, 1] to an `rgb(...)` colour of the heat-map scale. */
export function heatColour(t: number): string {
  const x = Math.min(1, Math.max(0, Number.isFinite(t) ? t : 0)) * (STOPS.length - 1);
  const i = Math.min(STOPS.length - 2, Math.floor(x));
  const f = x - i;
  const a = STOPS[i] as readonly [number, number, number];
  const b = STOPS[i + 1] as readonly [number, number, number];
  const c = a.map((v, k) => Math.round(v + ((b[k] as number) - v) * f));
  return `rgb(${c[0]},${c[1]},${c[2]})`;
}

/** One panel of a heat-map figure: `rows x cols` values, row-major. */
export interface HeatmapPanel {
  readonly title: string;
  readonly rows: number;
  readonly cols: number;
  readonly values: ArrayLike<number>;
}

/**
 * An SVG figure of heat maps side by side (wrapping after `perRow` panels), each scaled to its own
 * minimum and maximum, with a title and the value range under each panel. `grey` draws with a
 * grey scale (for input images). Returns the SVG document text.
 */
export function heatmapSvg(
  title: string,
  panels: readonly HeatmapPanel[],
  options: { cell?: number; perRow?: number; grey?: boolean } = {},
): string {
  const maxSide = Math.max(1, ...panels.map((p) => Math.max(p.rows, p.cols)));
  const cell = options.cell ?? Math.max(1, Math.min(12, Math.floor(240 / maxSide)));
  const perRow = options.perRow ?? 4;
  const pw = Math.max(...panels.map((p) => p.cols * cell), 120);
  const ph = Math.max(...panels.map((p) => p.rows * cell));
  const gap = 16;
  const cols = Math.min(perRow, panels.length);
  const rowsOfPanels = Math.ceil(panels.length / perRow);
  const width = gap + cols * (pw + gap);
  const height = 36 + rowsOfPanels * (ph + 44);
  const parts = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="sans-serif" font-size="11" shape-rendering="crispEdges">`,
    `<rect width="${width}" height="${height}" fill="white"/>`,
    `<text x="${gap}" y="22" font-size="14">${title.replace(/&/g, '&amp;').replace(/</g, '&lt;')}</text>`,
  ];
  panels.forEach((p, n) => {
    const ox = gap + (n % perRow) * (pw + gap);
    const oy = 36 + Math.floor(n / perRow) * (ph + 44);
    let lo = Number.POSITIVE_INFINITY;
    let hi = Number.NEGATIVE_INFINITY;
    for (let i = 0; i < p.rows * p.cols; i++) {
      const v = p.values[i] as number;
      if (Number.isFinite(v)) {
        lo = Math.min(lo, v);
        hi = Math.max(hi, v);
      }
    }
    const span = hi > lo ? hi - lo : 1;
    for (let r = 0; r < p.rows; r++) {
      for (let c = 0; c < p.cols; c++) {
        const t = ((p.values[r * p.cols + c] as number) - lo) / span;
        const fill = options.grey ? `rgb(${Math.round(t * 255)},${Math.round(t * 255)},${Math.round(t * 255)})` : heatColour(t);
        parts.push(`<rect x="${ox + c * cell}" y="${oy + r * cell}" width="${cell}" height="${cell}" fill="${fill}"/>`);
      }
    }
    parts.push(`<text x="${ox}" y="${oy + p.rows * cell + 14}">${p.title}</text>`);
    parts.push(
      `<text x="${ox}" y="${oy + p.rows * cell + 28}" fill="#666">${p.rows}x${p.cols}, ${Number.isFinite(lo) ? `${lo.toPrecision(3)}..${hi.toPrecision(3)}` : 'no finite values'}</text>`,
    );
  });
  parts.push('</svg>');
  return `${parts.join('\n')}\n`;
}

/**
 * Splits a tensor's values of shape `shape` into 2-D panels over its last two axes (a rank-1
 * tensor becomes one row). Leading axes enumerate the panels, at most `maxPanels` of them, named
 * by their indices (e.g. `head 2`).
 */
export function panelsOf(values: ArrayLike<number>, shape: readonly number[], label: string, maxPanels = 16): HeatmapPanel[] {
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
    });
  }
  return panels;
}
