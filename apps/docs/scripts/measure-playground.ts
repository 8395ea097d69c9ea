// Measures the playground in headless Chromium (not a test): serves the built site, opens
// /playground.html with the default run (ait-tiny-conv on 30,000 generated Triangle images),
// and prints the test accuracy over time until it reaches 90 % or 5 minutes pass, with the
// longest task of the page's main thread. Run after `pnpm build`: `npx tsx scripts/measure-playground.ts`.
import { chromium } from 'playwright-core';
import { CHROMIUM_FLAGS, findChromium } from '../test/helpers/chromium';
import { serveSite } from '../test/helpers/static-server';

const LIMIT_S = Number(process.env.AIT_PLAYGROUND_SECONDS ?? 300);
const executablePath = findChromium();
if (!executablePath) throw new Error('Chromium is not installed (apt-get install -y chromium).');
const server = await serveSite();
const browser = await chromium.launch({ executablePath, args: [...CHROMIUM_FLAGS], headless: true });
const page = await browser.newPage();
await page.addInitScript(() => {
  const w = window as unknown as { __longTasks: number[]; __longTaskStarts: number[] };
  w.__longTasks = [];
  w.__longTaskStarts = [];
  new PerformanceObserver((list) => {
    for (const e of list.getEntries()) {
      w.__longTasks.push(e.duration);
      w.__longTaskStarts.push(e.startTime);
    }
  }).observe({ type: 'longtask', buffered: true });
});
await page.goto(`${server.url}/playground.html?autostart=1`);
const start = Date.now();
let best = 0;
let reached: number | null = null;
while ((Date.now() - start) / 1000 < LIMIT_S) {
  await new Promise((r) => setTimeout(r, 5000));
  const text = await page.getByTestId('status').innerText();
  const acc = Number(/test accuracy ([\d.]+) %/.exec(text)?.[1] ?? 0);
  best = Math.max(best, acc);
  console.log(`${((Date.now() - start) / 1000).toFixed(0)} s: ${text}`);
  if (acc >= 90) {
    reached = (Date.now() - start) / 1000;
    break;
  }
}
const { longTasks, starts, trainingFrom } = await page.evaluate(() => {
  const w = window as unknown as { __longTasks: number[]; __longTaskStarts: number[] };
  return {
    longTasks: w.__longTasks,
    starts: w.__longTaskStarts,
    trainingFrom: performance.getEntriesByName('ait-playground-training')[0]?.startTime ?? 0,
  };
});
const whileTraining = longTasks.filter((_, i) => (starts[i] ?? 0) >= trainingFrom);
console.log(
  JSON.stringify({
    reached90AtSeconds: reached,
    bestAccuracy: best,
    longestMainThreadTaskMs: Math.max(0, ...longTasks),
    longestWhileTrainingMs: Math.max(0, ...whileTraining),
    trainingFromSeconds: trainingFrom / 1000,
    longTasks: longTasks.map((d, i) => `${d.toFixed(0)} ms at ${((starts[i] ?? 0) / 1000).toFixed(2)} s`),
  }),
);
await browser.close();
await server.close();
