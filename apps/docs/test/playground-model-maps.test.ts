// The playground's reductions of recorded maps to what the page draws, and its chart data.
import { describe, expect, it } from 'vitest';
import { CurveData } from '../.vitepress/theme/playground/curve-data';
import { colourOf, heatMapCanvasSize, heatMapPixels } from '../.vitepress/theme/playground/draw';
import { gateGrids, heatMapOf, mapPanels, strongestWritePerToken, tokenGrid } from '../.vitepress/theme/playground/model-maps';

const f32 = (n: number, fn: (i: number) => number): Float32Array => Float32Array.from({ length: n }, (_, i) => fn(i));

describe('the playground maps', () => {
  it('takes the strongest gate of each token over heads and slots, for batch-wide and per-sample competitions', () => {
    // [heads 2, slots 2, batch 2 * tokens 4]: value = 100 h + 10 m + position
    const shared = { shape: [2, 2, 8], values: f32(32, (i) => 100 * Math.floor(i / 16) + 10 * (Math.floor(i / 8) % 2) + (i % 8)) };
    expect(Array.from(strongestWritePerToken(shared, 0, 2))).toEqual([110, 111, 112, 113]);
    expect(Array.from(strongestWritePerToken(shared, 1, 2))).toEqual([114, 115, 116, 117]);
    // [batch 2, heads 1, slots 2, tokens 3]
    const perSample = { shape: [2, 1, 2, 3], values: Float32Array.from([1, 0, 0, 0, 5, 0, 0, 0, 2, 9, 0, 0]) };
    expect(Array.from(strongestWritePerToken(perSample, 0, 2))).toEqual([1, 5, 0]);
    expect(Array.from(strongestWritePerToken(perSample, 1, 2))).toEqual([9, 0, 2]);
  });

  it('lays tokens out on the patch grid, dropping a leading class token', () => {
    expect(tokenGrid(f32(16, (i) => i))).toMatchObject({ rows: 4, cols: 4 });
    const withCls = tokenGrid(f32(17, (i) => i));
    expect(withCls).toMatchObject({ rows: 4, cols: 4 });
    expect(withCls?.values[0]).toBe(1);
    expect(tokenGrid(f32(6, (i) => i))).toBeUndefined();
  });

  it('averages a batch of per-head maps over the heads of the first sample, and keeps matrices', () => {
    // [batch 2, heads 2, 2, 2]
    const attention = { shape: [2, 2, 2, 2], values: Float32Array.from([1, 2, 3, 4, 3, 4, 5, 6, 99, 99, 99, 99, 99, 99, 99, 99]) };
    expect(heatMapOf(attention, 'first-sample')).toEqual({ rows: 2, cols: 2, values: Float32Array.from([2, 3, 4, 5]) });
    expect(heatMapOf({ shape: [2, 3, 1], values: f32(6, (i) => i) }, 'first-sample')).toEqual({
      rows: 3,
      cols: 1,
      values: Float32Array.from([0, 1, 2]),
    });
    expect(heatMapOf({ shape: [2, 3], values: f32(6, (i) => i) }, 'matrix')?.rows).toBe(2);
    expect(heatMapOf({ shape: [2, 3], values: f32(6, (i) => i) }, 'first-sample')).toBeUndefined();
  });

  it('shows only the maps a model recorded, in a fixed order, and the gate overlay where there is one', () => {
    const maps = {
      'block0/attention': { shape: [1, 1, 2, 2], values: f32(4, (i) => i) },
      'block0/gwl/priors': { shape: [3, 4], values: f32(12, (i) => i) },
      'block1/attention': { shape: [1, 1, 2, 2], values: f32(4, (i) => i) },
    };
    expect(mapPanels(maps).map((p) => p.key)).toEqual(['priors', 'attention']);
    expect(gateGrids(maps, 1)).toBeUndefined();
    const coordination = { 'layer0/write': { shape: [1, 1, 1, 5], values: f32(5, (i) => i) } };
    const gates = gateGrids(coordination, 1);
    expect(gates?.label).toBe('workspace writes');
    expect(gates?.grids[0]).toMatchObject({ rows: 2, cols: 2 });
  });

  it('colours heat maps from their minimum to their maximum and sizes their canvases', () => {
    expect(colourOf(0)).toEqual([13, 8, 135]);
    expect(colourOf(1)).toEqual([253, 231, 37]);
    expect(colourOf(Number.NaN)).toEqual([13, 8, 135]);
    const px = heatMapPixels({ rows: 1, cols: 2, values: Float32Array.from([-3, 7]) });
    expect(Array.from(px)).toEqual([13, 8, 135, 255, 253, 231, 37, 255]);
    expect(heatMapCanvasSize({ rows: 16, cols: 32, values: new Float32Array(512) })).toEqual({ width: 256, height: 128 });
    expect(heatMapCanvasSize({ rows: 64, cols: 4, values: new Float32Array(256) })).toEqual({ width: 64, height: 256 });
  });

  it('keeps the chart rows in step order and cuts them back to a restored step', () => {
    const data = new CurveData();
    data.set(0, 'accuracy', 0.5);
    data.set(1, 'loss', 0.9);
    data.set(2, 'loss', 0.8);
    data.set(2, 'accuracy', 0.6);
    expect(data.aligned()).toEqual([
      [0, 1, 2],
      [null, 0.9, 0.8],
      [0.5, null, 0.6],
    ]);
    data.set(1, 'accuracy', 0.55);
    expect(data.aligned()).toEqual([
      [0, 1],
      [null, 0.9],
      [0.5, 0.55],
    ]);
    data.clear();
    expect(data.aligned()).toEqual([[], [], []]);
  });
});
