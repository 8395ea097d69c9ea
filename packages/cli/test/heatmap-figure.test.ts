import { PNG } from 'pngjs';
import { describe, expect, it } from 'vitest';
import { type Figure, type PixelBlock, type TextItem, figurePixels, figurePng, figureSvg, textWidth } from '../src/util/figure';
import { OVERLAY_OPACITY, UNIT_SCALE, heatRgb, heatmapFigure } from '../src/util/svg-heatmap';
import { firstImageMap, overlayPanels, patchGrid } from '../src/util/token-maps';

const blocks = (f: Figure): PixelBlock[] => f.items.filter((i): i is PixelBlock => i.kind === 'pixels');
const texts = (f: Figure): TextItem[] => f.items.filter((i): i is TextItem => i.kind === 'text');
const rgbAt = (b: PixelBlock, k: number): number[] => Array.from(b.rgb.subarray(k * 3, k * 3 + 3));

describe('heat-map figures', () => {
  it('an all-ones gate map on the fixed [0, 1] scale is drawn as 1 (top colour), with a colour bar 0..1', () => {
    const f = heatmapFigure('gates', [{ title: 'selection 0', rows: 2, cols: 3, values: [1, 1, 1, 1, 1, 1], scale: UNIT_SCALE }]);
    const [map, bar] = blocks(f) as [PixelBlock, PixelBlock];
    for (let k = 0; k < 6; k++) expect(rgbAt(map, k)).toEqual(heatRgb(1));
    // the colour bar runs from the top colour (value 1) down to the bottom one (value 0), with its ends written
    expect(rgbAt(bar, 0)).toEqual(heatRgb(1));
    expect(rgbAt(bar, (bar.rows - 1) * bar.cols)).toEqual(heatRgb(0));
    const words = texts(f).map((t) => t.text);
    expect(words).toEqual(expect.arrayContaining(['1', '0.500', '0']));
    expect(words.join(' ')).toContain('scale fixed 0..1');
    // on its own range a constant map takes the middle colour, not the lowest
    const own = heatmapFigure('x', [{ title: 'p', rows: 1, cols: 2, values: [3, 3] }]);
    expect(rgbAt(blocks(own)[0] as PixelBlock, 0)).toEqual(heatRgb(0.5));
  });

  it('every heat map gets a colour bar; an image-only panel none', () => {
    const f = heatmapFigure('t', [
      { title: 'a', rows: 2, cols: 2, values: [0, 0.2, 0.4, 1], scale: UNIT_SCALE },
      { title: 'b', rows: 2, cols: 2, values: [5, 6, 7, 8] },
      { title: 'img', rows: 2, cols: 2, image: { rows: 2, cols: 2, rgb: new Uint8Array(12) } },
    ]);
    expect(f.items.filter((i) => i.kind === 'rect' && i.stroke !== undefined)).toHaveLength(2);
  });

  it('titles and captions are wrapped to the figure: no text runs past its right edge', () => {
    const long = 'block0/gwl/selection over the input: share of the 4 memory slots that selected each patch token '.repeat(3);
    const f = heatmapFigure(long, [{ title: long, rows: 2, cols: 2, values: [0, 1, 0, 1], scale: UNIT_SCALE }], {
      caption: [long],
    });
    for (const t of texts(f)) expect(t.x + textWidth(t.text, t.size), t.text).toBeLessThanOrEqual(f.width);
    expect(texts(f).length).toBeGreaterThan(6);
  });

  it('an overlay draws the token map upsampled on the image, semi-transparent, and the PNG shows the blend', () => {
    const image = { rows: 4, cols: 4, rgb: new Uint8Array(48).fill(100) };
    const f = heatmapFigure('o', [{ title: 'head 0', rows: 2, cols: 2, values: [1, 0, 0, 1], scale: UNIT_SCALE, image }], { cell: 3 });
    const [base, heat] = blocks(f) as [PixelBlock, PixelBlock];
    expect(base.rgb).toBe(image.rgb);
    expect([heat.rows, heat.cols, heat.scale, heat.opacity]).toEqual([4, 4, 3, OVERLAY_OPACITY]);
    // token (0, 0) = 1 covers image pixels (0..1, 0..1); token (0, 1) = 0 covers (0..1, 2..3)
    expect(rgbAt(heat, 0)).toEqual(heatRgb(1));
    expect(rgbAt(heat, 1 * 4 + 1)).toEqual(heatRgb(1));
    expect(rgbAt(heat, 2)).toEqual(heatRgb(0));
    const px = figurePixels(f);
    const o = (heat.y * f.width + heat.x) * 3;
    const blend = heatRgb(1).map((v) => Math.round(100 * (1 - OVERLAY_OPACITY) + v * OVERLAY_OPACITY));
    expect(Array.from(px.subarray(o, o + 3))).toEqual(blend);
  });

  it('writes a PNG of the figure size and an SVG embedding the same pixel blocks', () => {
    const f = heatmapFigure('t', [
      { title: 'a', rows: 3, cols: 5, values: Array.from({ length: 15 }, (_, i) => i / 14), scale: UNIT_SCALE },
    ]);
    const png = PNG.sync.read(figurePng(f));
    expect([png.width, png.height]).toEqual([f.width, f.height]);
    const svg = figureSvg(f);
    expect(svg).toContain(`width="${f.width}" height="${f.height}"`);
    expect((svg.match(/<image /g) ?? []).length).toBe(blocks(f).length);
    expect(svg).toContain('image-rendering:pixelated');
  });
});

describe('token maps', () => {
  it('finds the patch grid after question / class tokens', () => {
    expect(patchGrid(16)).toEqual({ side: 4, prefix: 0 });
    expect(patchGrid(50)).toEqual({ side: 7, prefix: 1 });
    expect(patchGrid(51)).toEqual({ side: 7, prefix: 2 });
    expect(patchGrid(13)).toBeNull();
  });

  it("cuts a batch-competition gate [heads, M, batch * tokens] to the first image's tokens, and drops a batch axis", () => {
    // heads 1, M 2, batch 2, tokens 3: values encode (slot, token)
    const values = [0, 1, 2, 3, 4, 5, 10, 11, 12, 13, 14, 15];
    expect(firstImageMap('b/gwl/gate', [1, 2, 6], values, 2, 3, true)).toEqual({
      shape: [1, 2, 3],
      values: Float32Array.from([0, 1, 2, 10, 11, 12]),
    });
    expect(firstImageMap('b/attention', [2, 1, 2, 3], values, 2, 3, true).shape).toEqual([1, 2, 3]);
    expect(firstImageMap('b/gwl/priors', [4, 3], values, 2, 3, true).shape).toEqual([4, 3]);
  });

  it('overlays the share of slots selecting each patch, skipping the question token', () => {
    // heads 1, M 2, tokens 5 = question + 2 x 2 patches
    const selection = [1, 1, 0, 1, 0, 1, 1, 1, 0, 0];
    const image = { rows: 4, cols: 4, rgb: new Uint8Array(48) };
    const { panels, what } = overlayPanels('block0/gwl/selection', { shape: [1, 2, 5], values: selection }, image);
    expect(what).toMatch(/share of the 2 memory slots/);
    expect(panels).toHaveLength(1);
    expect(Array.from(panels[0]?.values ?? [])).toEqual([1, 0.5, 0.5, 0]);
  });
});
