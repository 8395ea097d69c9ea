// The loss and accuracy chart of the playground (uPlot): training loss of every step on the left
// axis, test accuracy of every evaluation on the right one, over the optimiser step.
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';

/** Creates the chart in `container`, `width` pixels wide; redraw it with `setData(curveData.aligned())` (see curve-data.ts). */
export function createTrainingCurves(container: HTMLElement, width: number): uPlot {
  const axisColour = '#888';
  const grid = { stroke: '#8883', width: 1 };
  return new uPlot(
    {
      width,
      height: 220,
      scales: { x: { time: false }, loss: { auto: true }, accuracy: { auto: false, range: [0, 1] } },
      series: [
        { label: 'step' },
        {
          label: 'train loss',
          scale: 'loss',
          stroke: '#e4572e',
          width: 1.5,
          spanGaps: true,
          points: { show: false },
          value: (_u, v) => (v == null ? '–' : v.toFixed(4)),
        },
        {
          label: 'test accuracy',
          scale: 'accuracy',
          stroke: '#17bebb',
          width: 2,
          spanGaps: true,
          points: { show: true, size: 5 },
          value: (_u, v) => (v == null ? '–' : `${(100 * v).toFixed(1)} %`),
        },
      ],
      axes: [
        { stroke: axisColour, grid, ticks: grid, label: 'step', labelSize: 18 },
        { scale: 'loss', stroke: axisColour, grid, ticks: grid, label: 'loss', labelSize: 18 },
        {
          scale: 'accuracy',
          side: 1,
          stroke: axisColour,
          grid: { show: false },
          ticks: grid,
          label: 'accuracy',
          labelSize: 18,
          values: (_u, ticks) => ticks.map((t) => `${Math.round(100 * t)} %`),
        },
      ],
      legend: { live: true },
      cursor: { drag: { x: false, y: false } },
    },
    [[], [], []],
    container,
  );
}
