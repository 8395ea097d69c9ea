import { PNG } from 'pngjs';

/**
 * A block of pixels drawn at `(x, y)` with every pixel a `scale x scale` square: `rgb` holds
 * `rows * cols * 3` bytes, row-major. `opacity` below 1 blends it over what lies under it (an
 * overlay on an input image).
 */
export interface PixelBlock {
  readonly kind: 'pixels';
  readonly x: number;
  readonly y: number;
  readonly rows: number;
  readonly cols: number;
  readonly scale: number;
  readonly rgb: Uint8Array;
  readonly opacity?: number;
}

/** A line of text (SVG only: the PNG rendering leaves text out, see {@link figurePng}). */
export interface TextItem {
  readonly kind: 'text';
  readonly x: number;
  /** Baseline. */
  readonly y: number;
  readonly text: string;
  readonly size: number;
  readonly anchor?: 'start' | 'middle' | 'end';
  /** `#rrggbb`; default black. */
  readonly colour?: string;
  readonly bold?: boolean;
}

/** A rectangle outline and / or fill, colours as `#rrggbb`. */
export interface RectItem {
  readonly kind: 'rect';
  readonly x: number;
  readonly y: number;
  readonly width: number;
  readonly height: number;
  readonly fill?: string;
  readonly stroke?: string;
}

/** One element of a {@link Figure}. */
export type FigureItem = PixelBlock | TextItem | RectItem;

/** A figure on a white canvas of `width x height` pixels, drawn in item order. */
export interface Figure {
  readonly width: number;
  readonly height: number;
  readonly items: readonly FigureItem[];
}

/** Average advance of a sans-serif character as a fraction of the font size (generous, so that estimates do not clip). */
const CHAR_WIDTH = 0.62;

/** Estimated width in pixels of `text` in a sans-serif font of `size` pixels (an upper estimate for typical text). */
export function textWidth(text: string, size: number): number {
  return Math.ceil(text.length * size * CHAR_WIDTH);
}

/**
 * Breaks `text` into lines no wider than `maxWidth` pixels at `size` (by {@link textWidth}),
 * between words where possible; a single word longer than a line is cut into pieces.
 */
export function wrapText(text: string, maxWidth: number, size: number): string[] {
  const perLine = Math.max(4, Math.floor(maxWidth / (size * CHAR_WIDTH)));
  const lines: string[] = [];
  let line = '';
  for (const word of text.split(/\s+/).filter((w) => w !== '')) {
    let w = word;
    while (w.length > perLine) {
      if (line !== '') {
        lines.push(line);
        line = '';
      }
      lines.push(w.slice(0, perLine));
      w = w.slice(perLine);
    }
    if (line === '') line = w;
    else if (line.length + 1 + w.length <= perLine) line = `${line} ${w}`;
    else {
      lines.push(line);
      line = w;
    }
  }
  if (line !== '') lines.push(line);
  return lines.length > 0 ? lines : [''];
}

/** Encodes `rgb` (`height * width * 3` bytes, row-major) as an 8-bit RGB PNG file (with `pngjs`). */
export function encodePng(width: number, height: number, rgb: Uint8Array): Buffer {
  if (rgb.length !== width * height * 3) {
    throw new Error(`encodePng: ${width} x ${height} RGB needs ${width * height * 3} bytes, got ${rgb.length}.`);
  }
  const png = new PNG({ width, height, colorType: 2, inputColorType: 2, inputHasAlpha: false });
  png.data = Buffer.from(rgb.buffer, rgb.byteOffset, rgb.byteLength);
  return PNG.sync.write(png, { colorType: 2, inputColorType: 2, inputHasAlpha: false });
}

function escapeXml(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

function parseHex(colour: string): [number, number, number] {
  const m = /^#([0-9a-f]{6})$/i.exec(colour);
  if (!m) throw new Error(`figure: colour ${colour} is not #rrggbb.`);
  const v = Number.parseInt(m[1] as string, 16);
  return [(v >> 16) & 255, (v >> 8) & 255, v & 255];
}

/**
 * The figure as an SVG document: pixel blocks become embedded PNG images drawn without smoothing
 * (`image-rendering: pixelated`), so the SVG shows exactly the PNG's pixels, plus the text.
 */
export function figureSvg(figure: Figure): string {
  const { width, height } = figure;
  const parts = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="DejaVu Sans, Verdana, sans-serif">`,
    `<rect width="${width}" height="${height}" fill="#ffffff"/>`,
  ];
  for (const item of figure.items) {
    if (item.kind === 'pixels') {
      const data = encodePng(item.cols, item.rows, item.rgb).toString('base64');
      const opacity = item.opacity !== undefined && item.opacity < 1 ? ` opacity="${item.opacity}"` : '';
      parts.push(
        `<image x="${item.x}" y="${item.y}" width="${item.cols * item.scale}" height="${item.rows * item.scale}"${opacity} preserveAspectRatio="none" style="image-rendering:pixelated" href="data:image/png;base64,${data}"/>`,
      );
    } else if (item.kind === 'rect') {
      parts.push(
        `<rect x="${item.x}" y="${item.y}" width="${item.width}" height="${item.height}" fill="${item.fill ?? 'none'}"${item.stroke ? ` stroke="${item.stroke}"` : ''}/>`,
      );
    } else {
      const anchor = item.anchor && item.anchor !== 'start' ? ` text-anchor="${item.anchor}"` : '';
      const colour = item.colour ? ` fill="${item.colour}"` : '';
      const bold = item.bold ? ' font-weight="bold"' : '';
      parts.push(`<text x="${item.x}" y="${item.y}" font-size="${item.size}"${anchor}${colour}${bold}>${escapeXml(item.text)}</text>`);
    }
  }
  parts.push('</svg>');
  return `${parts.join('\n')}\n`;
}

/**
 * The figure's pixels as RGB bytes `[height, width, 3]`: pixel blocks (blended by their
 * opacity) and rectangles on white. Text is not rasterised (no font engine is bundled); the SVG
 * from {@link figureSvg} carries the same figure with its text.
 */
export function figurePixels(figure: Figure): Uint8Array {
  const { width, height } = figure;
  const out = new Uint8Array(width * height * 3).fill(255);
  const put = (x: number, y: number, r: number, g: number, b: number, a: number): void => {
    if (x < 0 || y < 0 || x >= width || y >= height) return;
    const o = (y * width + x) * 3;
    out[o] = Math.round((out[o] as number) * (1 - a) + r * a);
    out[o + 1] = Math.round((out[o + 1] as number) * (1 - a) + g * a);
    out[o + 2] = Math.round((out[o + 2] as number) * (1 - a) + b * a);
  };
  for (const item of figure.items) {
    if (item.kind === 'pixels') {
      const a = item.opacity ?? 1;
      for (let r = 0; r < item.rows; r++) {
        for (let c = 0; c < item.cols; c++) {
          const i = (r * item.cols + c) * 3;
          const [cr, cg, cb] = [item.rgb[i] as number, item.rgb[i + 1] as number, item.rgb[i + 2] as number];
          for (let dy = 0; dy < item.scale; dy++) {
            for (let dx = 0; dx < item.scale; dx++) put(item.x + c * item.scale + dx, item.y + r * item.scale + dy, cr, cg, cb, a);
          }
        }
      }
    } else if (item.kind === 'rect') {
      if (item.fill) {
        const [r, g, b] = parseHex(item.fill);
        for (let y = item.y; y < item.y + item.height; y++) for (let x = item.x; x < item.x + item.width; x++) put(x, y, r, g, b, 1);
      }
      if (item.stroke) {
        const [r, g, b] = parseHex(item.stroke);
        const x1 = item.x + item.width - 1;
        const y1 = item.y + item.height - 1;
        for (let x = item.x; x <= x1; x++) {
          put(x, item.y, r, g, b, 1);
          put(x, y1, r, g, b, 1);
        }
        for (let y = item.y; y <= y1; y++) {
          put(item.x, y, r, g, b, 1);
          put(x1, y, r, g, b, 1);
        }
      }
    }
  }
  return out;
}

/** The figure as a PNG file (its pixels from {@link figurePixels}; text only in the SVG). */
export function figurePng(figure: Figure): Buffer {
  return encodePng(figure.width, figure.height, figurePixels(figure));
}
