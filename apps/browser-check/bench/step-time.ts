// `pnpm bench` in apps/browser-check: the same training step (the registry's ait-tiny, batch 32,
// wasm on one thread) timed in headless Chromium and in Node, medians after warm-up, side by
// side. Writes JSON to bench-results/<timestamp>.json and prints a table. Not a test.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { timeAitTinySteps, type StepTiming } from '../scenarios/step-timing';
import { bundlePage } from '../src/bundle-page';
import { findChromium, launchChromium } from '../src/chromium';
import { serveFolder } from '../src/static-server';

const STEPS = Number(process.env.AIT_BENCH_STEPS ?? 30);
const here = dirname(fileURLToPath(import.meta.url));

const chromiumPath = findChromium();
if (!chromiumPath) {
  console.error('Chromium is not installed (apt-get install -y chromium, or set AIT_CHROMIUM): no browser column.');
  process.exit(1);
}
const out = mkdtempSync(join(tmpdir(), 'ait-bench-page-'));
await bundlePage(join(here, '..', 'pages', 'page.ts'), out);
const server = await serveFolder(out);
const browser = await launchChromium(chromiumPath);
let inBrowser: StepTiming;
try {
  const page = await browser.newPage();
  await page.goto(`${server.url}/index.html?bench=1&steps=${STEPS}`);
  await page.waitForFunction(() => window.__aitResult !== undefined, undefined, { timeout: 600_000 });
  inBrowser = (await page.evaluate(() => window.__aitResult)) as StepTiming;
} finally {
  await browser.close();
  await server.close();
  rmSync(out, { recursive: true, force: true });
}
const inNode = await timeAitTinySteps(STEPS, 3);
const ratio = inBrowser.medianMs / inNode.medianMs;
const result = { date: new Date().toISOString(), steps: STEPS, node: inNode, chromium: inBrowser, ratio };
const dir = join(here, '..', 'bench-results');
mkdirSync(dir, { recursive: true });
writeFileSync(join(dir, `${result.date.replace(/[:.]/g, '-')}.json`), `${JSON.stringify(result, null, 2)}\n`);
console.log('| model | backend | batch | Node median ms | Chromium median ms | Chromium / Node |');
console.log('|---|---|---|---|---|---|');
console.log(
  `| ${inNode.model} | wasm, 1 thread | ${inNode.batch} | ${inNode.medianMs.toFixed(1)} | ${inBrowser.medianMs.toFixed(1)} | ${ratio.toFixed(2)} |`,
);
