import { mkdir, writeFile } from 'node:fs/promises';
import { basename, dirname, resolve } from 'node:path';
import { SeededRandom } from '@ait/core';
import { type Dataset, type Sample, decodeQuestion, describeQuestion } from '@ait/datasets';
import { CliError } from '../util/cli-error';
import type { CliIo } from '../util/cli-io';
import { openSplit, planDataset } from '../util/dataset-choice';
import { type Figure, type FigureItem, figurePng, figureSvg, textWidth, wrapText } from '../util/figure';
import { printJson } from '../util/output';
import { imageRgb } from '../util/token-maps';

/** Options of `ait data preview`. */
export interface DataPreviewOptions {
  /** Examples to show; default 16. */
  n?: number;
  /** Split; default `train`. */
  split?: 'train' | 'test';
  /** Seed of the choice of examples; default 0. */
  seed?: number;
  /** PNG file; the SVG is written next to it with the same name. Default `<dataset>-<split>-preview.png`. */
  out?: string;
  json?: boolean;
}

/** One example of a preview grid. */
export interface PreviewExample {
  /** Index in the split. */
  readonly index: number;
  readonly label: number;
  readonly labelName: string;
  /** Sort-of-CLEVR (any data set with an 18-d `question` input): the question in words. */
  readonly question?: string;
  /** Grid row and column of the example's cell. */
  readonly row: number;
  readonly col: number;
}

/** Layout of the PNG grid: `rows x cols` cells of `height*scale x width*scale` pixels, `gap` pixels apart and around. */
export interface PreviewGrid {
  readonly rows: number;
  readonly cols: number;
  readonly scale: number;
  readonly gap: number;
  readonly width: number;
  readonly height: number;
}

/** Colour of the gaps between the cells of a preview grid. */
export const PREVIEW_GAP_COLOUR = '#9a9a9a';

/** Default number of examples of a preview. */
export const DEFAULT_PREVIEW_EXAMPLES = 16;

/** Pixel scale of a preview cell: images are enlarged to about 96 pixels a side (never shrunk). */
export function previewScale(height: number, width: number): number {
  return Math.max(1, Math.ceil(96 / Math.max(height, width)));
}

function pixelValues(sample: Sample): ArrayLike<number> {
  return sample.image instanceof Uint8Array ? Array.from(sample.image, (v) => v / 255) : sample.image;
}

/** The sample's key for "show each image once": its `extra.imageIndex` (Sort-of-CLEVR asks many questions per image), else its index. */
function imageKey(sample: Sample, index: number): string {
  const extra = sample.extra as { imageIndex?: unknown } | undefined;
  return typeof extra?.imageIndex === 'number' ? `image ${extra.imageIndex}` : `index ${index}`;
}

/**
 * `n` examples of `data` chosen with `rng`: random distinct indices of an indexable set (one
 * question per image for Sort-of-CLEVR, while the set has enough images), or the first `n` of a
 * streamed one. Returns them in the order drawn.
 */
async function chooseExamples(data: Dataset, n: number, rng: SeededRandom): Promise<{ index: number; sample: Sample }[]> {
  if (data.access === 'stream') {
    const out: { index: number; sample: Sample }[] = [];
    for await (const sample of data.stream(rng)) {
      out.push({ index: out.length, sample });
      if (out.length >= n) break;
    }
    return out;
  }
  const read = async (i: number): Promise<Sample> => (data.access === 'random' ? data.get(i) : await data.read(i));
  const size = data.size;
  const chosen: { index: number; sample: Sample }[] = [];
  const seenIndex = new Set<number>();
  const seenImage = new Set<string>();
  const target = Math.min(n, size);
  for (let attempt = 0; chosen.length < target && attempt < 50 * target; attempt++) {
    const i = rng.nextInt(size);
    if (seenIndex.has(i)) continue;
    seenIndex.add(i);
    const sample = await read(i);
    const key = imageKey(sample, i);
    // after many tries (a set with few images), accept repeated images but never repeated samples
    if (seenImage.has(key) && attempt < 25 * target) continue;
    seenImage.add(key);
    chosen.push({ index: i, sample });
  }
  for (let i = 0; chosen.length < target && i < size; i++) if (!seenIndex.has(i)) chosen.push({ index: i, sample: await read(i) });
  return chosen;
}

/** The question of a sample in words, when its data set has an 18-d `question` input (Sort-of-CLEVR). */
function questionText(data: Dataset, sample: Sample, index: number): string | undefined {
  const at = data.extraInputs.findIndex((e) => e.name === 'question');
  const vector = at >= 0 ? sample.inputs?.[at] : undefined;
  if (vector === undefined) return undefined;
  return describeQuestion(decodeQuestion(vector, `${data.name} example ${index}`));
}

/**
 * Lays out the preview grid: PNG figure (pixels only), SVG figure (the same images, each with its
 * index, label and question written under it) and the grid geometry.
 */
export function previewFigures(
  data: Dataset,
  chosen: readonly { index: number; sample: Sample }[],
): { png: Figure; svg: Figure; grid: PreviewGrid; examples: PreviewExample[] } {
  const [h, w, c] = data.imageShape;
  const scale = previewScale(h, w);
  const gap = 4;
  const cols = Math.max(1, Math.ceil(Math.sqrt(chosen.length)));
  const rows = Math.max(1, Math.ceil(chosen.length / cols));
  const cellW = w * scale;
  const cellH = h * scale;
  const grid: PreviewGrid = { rows, cols, scale, gap, width: gap + cols * (cellW + gap), height: gap + rows * (cellH + gap) };
  const examples: PreviewExample[] = chosen.map(({ index, sample }, k) => {
    const question = questionText(data, sample, index);
    return {
      index,
      label: sample.label,
      labelName: data.labelNames[sample.label] ?? String(sample.label),
      ...(question !== undefined ? { question } : {}),
      row: Math.floor(k / cols),
      col: k % cols,
    };
  });
  const images = chosen.map(({ sample }) => imageRgb(pixelValues(sample), h, w, c).rgb);
  // a grey canvas, so that the cells of white-background images (Sort-of-CLEVR) stay apart
  const pngItems: FigureItem[] = [{ kind: 'rect', x: 0, y: 0, width: grid.width, height: grid.height, fill: PREVIEW_GAP_COLOUR }];
  images.forEach((rgb, k) =>
    pngItems.push({
      kind: 'pixels',
      x: gap + (k % cols) * (cellW + gap),
      y: gap + Math.floor(k / cols) * (cellH + gap),
      rows: h,
      cols: w,
      scale,
      rgb,
    }),
  );
  // SVG: wider cells with the text under each image
  const font = 11;
  const titles = examples.map((e) => `#${e.index}: ${e.question ? `answer ${e.labelName}` : e.labelName}`);
  // each cell is as wide as its example's label line, so that no label reaches into the next cell or out of the picture
  const svgCellW = Math.max(cellW, examples.some((e) => e.question) ? 200 : 110, ...titles.map((t) => textWidth(t, font)));
  const lines = examples.map((e, k) => [titles[k] as string, ...(e.question ? wrapText(e.question, svgCellW, font) : [])]);
  const textH = Math.max(...lines.map((l) => l.length)) * (font + 3) + 6;
  const sgap = 12;
  const svgItems: FigureItem[] = [];
  examples.forEach((e, k) => {
    const x = sgap + e.col * (svgCellW + sgap);
    const y = sgap + e.row * (cellH + textH + sgap);
    svgItems.push({ kind: 'pixels', x, y, rows: h, cols: w, scale, rgb: images[k] as Uint8Array });
    svgItems.push({ kind: 'rect', x: x - 1, y: y - 1, width: cellW + 2, height: cellH + 2, stroke: PREVIEW_GAP_COLOUR });
    (lines[k] as string[]).forEach((text, j) =>
      svgItems.push({ kind: 'text', x, y: y + cellH + (j + 1) * (font + 3), text, size: font, ...(j === 0 ? { bold: true } : {}) }),
    );
  });
  return {
    png: { width: grid.width, height: grid.height, items: pngItems },
    svg: { width: sgap + cols * (svgCellW + sgap), height: sgap + rows * (cellH + textH + sgap), items: svgItems },
    grid,
    examples,
  };
}

/**
 * `ait data preview <dataset>`: `n` examples of a split (chosen at random with `seed`) as a PNG
 * grid of their pixels, plus an SVG of the same images with each example's index and label (and,
 * for Sort-of-CLEVR, its question in words and the answer) written under it. Text lives in the
 * SVG and the JSON output only: the PNG holds the images' pixels, exactly (each pixel a
 * `scale x scale` square).
 */
export async function dataPreviewCommand(dataset: string, options: DataPreviewOptions, io: CliIo): Promise<number> {
  const n = options.n ?? DEFAULT_PREVIEW_EXAMPLES;
  const split = options.split ?? 'train';
  const seed = options.seed ?? 0;
  const plan = planDataset(dataset);
  const out = resolve(options.out ?? `${basename(plan.choice)}-${split}-preview.png`);
  if (!out.toLowerCase().endsWith('.png')) throw new CliError(`--out ${options.out}: name a .png file (the SVG is written next to it).`, 2);
  const svgPath = `${out.slice(0, -4)}.svg`;
  const data = await openSplit(plan, split);
  try {
    const chosen = await chooseExamples(data, n, new SeededRandom(seed));
    if (chosen.length === 0) throw new CliError(`The ${split} split of ${plan.choice} has no examples to show.`, 1);
    const { png, svg, grid, examples } = previewFigures(data, chosen);
    await mkdir(dirname(out), { recursive: true });
    await writeFile(out, figurePng(png));
    await writeFile(svgPath, figureSvg(svg), 'utf8');
    const result = {
      command: 'data preview',
      dataset: plan.choice,
      split,
      name: data.name,
      seed,
      imageShape: [...data.imageShape],
      grid,
      examples,
      files: { png: out, svg: svgPath },
    };
    if (options.json) printJson(io, result);
    else {
      io.stdout(
        `${examples.length} examples of ${data.name} in a ${grid.rows} x ${grid.cols} grid: ${out} (${grid.width} x ${grid.height} pixels), labelled in ${svgPath}\n`,
      );
    }
    return 0;
  } finally {
    await data.close?.();
  }
}
