// The playground page of the built site in headless Chromium: it trains ait-tiny-conv on generated
// Triangle images in its web worker for a fixed number of steps, draws curves and maps (checked for
// non-blank pixels), pauses and resumes, saves to and loads from IndexedDB, names the problem of a
// corrupt checkpoint file, and keeps the page's main thread free of long tasks.
import { mkdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CHROMIUM_FLAGS, findChromium } from './helpers/chromium';
import { requireBuiltSite } from './helpers/site-paths';
import { serveSite, type SiteServer } from './helpers/static-server';

const SHOTS = fileURLToPath(new URL('../screenshots', import.meta.url));
const executablePath = findChromium();
if (!executablePath && process.env.CI) throw new Error('Chromium is not installed; CI must run the playground test (apt-get install -y chromium).');

/** Distinct colours and the share of pixels that differ from the first one, of a canvas. */
async function canvasContent(page: Page, selector: string): Promise<{ colours: number; nonBackground: number }> {
  return page.locator(selector).first().evaluate((el) => {
    const c = el as HTMLCanvasElement;
    const data = c.getContext('2d')?.getImageData(0, 0, c.width, c.height).data ?? new Uint8ClampedArray();
    const seen = new Set<number>();
    let differ = 0;
    for (let i = 0; i < data.length; i += 4) {
      const key = (data[i]! << 16) | (data[i + 1]! << 8) | data[i + 2]!;
      seen.add(key * 256 + data[i + 3]!);
      if (data[i] !== data[0] || data[i + 1] !== data[1] || data[i + 2] !== data[2] || data[i + 3] !== data[3]) differ++;
    }
    return { colours: seen.size, nonBackground: differ / Math.max(1, data.length / 4) };
  });
}

describe.skipIf(!executablePath)('the playground in headless Chromium', () => {
  let server: SiteServer;
  let browser: Browser;
  let page: Page;
  const problems: string[] = [];

  beforeAll(async () => {
    requireBuiltSite();
    mkdirSync(SHOTS, { recursive: true });
    server = await serveSite();
    browser = await chromium.launch({ executablePath: executablePath!, args: [...CHROMIUM_FLAGS], headless: true });
    page = await browser.newPage({ viewport: { width: 1280, height: 1400 } });
    page.on('pageerror', (err) => problems.push(`page error: ${err.message}`));
    page.on('console', (msg) => {
      if (msg.type() === 'error') problems.push(`console error: ${msg.text()}`);
    });
    page.on('request', (req) => {
      if (!req.url().startsWith(server.url) && !req.url().startsWith('data:') && !req.url().startsWith('blob:')) problems.push(`request leaves the site: ${req.url()}`);
    });
    // long tasks of the page's main thread while the worker trains
    await page.addInitScript(() => {
      const w = window as unknown as { __longTasks: { start: number; duration: number }[] };
      w.__longTasks = [];
      new PerformanceObserver((list) => {
        for (const e of list.getEntries()) w.__longTasks.push({ start: e.startTime, duration: e.duration });
      }).observe({ type: 'longtask', buffered: true });
    });
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });

  const status = (): Promise<string> => page.getByTestId('status').innerText();

  it('trains ait-tiny-conv on Triangle for 30 steps in its worker and draws curves, samples, gates, priors and maps', async () => {
    await page.goto(`${server.url}/playground.html?autostart=1&steps=30&train=1024&test=200&every=10&seed=1`);
    await page.waitForFunction(() => document.querySelector('[data-testid="status"]')?.textContent?.includes('finished'), undefined, { timeout: 240_000 });
    const text = await status();
    expect(text).toMatch(/step 30/);
    const acc = Number(/test accuracy ([\d.]+) %/.exec(text)?.[1]);
    expect(acc).toBeGreaterThanOrEqual(0);
    expect(acc).toBeLessThanOrEqual(100);
    expect(await page.locator('.backend').innerText()).toMatch(/backend wasm \(WebAssembly backend ready \(SIMD/);
    expect(await page.locator('figure').count()).toBeGreaterThanOrEqual(8 + 3);
    for (const selector of ['canvas.curves', 'canvas.sample', 'canvas.map']) {
      const content = await canvasContent(page, selector);
      expect(content.colours, selector).toBeGreaterThan(8);
      expect(content.nonBackground, selector).toBeGreaterThan(0.05);
    }
    await page.screenshot({ path: `${SHOTS}/playground.png`, fullPage: true });
    // the main thread only draws while the worker trains: no task over 100 ms after training began
    // (page load itself may have some, before the mark)
    const { tasks, trainingFrom } = await page.evaluate(() => ({
      tasks: (window as unknown as { __longTasks: { start: number; duration: number }[] }).__longTasks,
      trainingFrom: performance.getEntriesByName('ait-playground-training')[0]?.startTime ?? 0,
    }));
    expect(trainingFrom).toBeGreaterThan(0);
    const whileTraining = tasks.filter((t) => t.start >= trainingFrom).map((t) => t.duration);
    console.log(`playground: longest main-thread task while training ${Math.max(0, ...whileTraining).toFixed(0)} ms (${whileTraining.length} long tasks; ${tasks.length - whileTraining.length} during page load)`);
    expect(Math.max(0, ...whileTraining)).toBeLessThan(100);
    expect(problems).toEqual([]);
  }, 300_000);

  it('resumes after the step limit, saves to and loads from IndexedDB, and names a corrupt checkpoint file', async () => {
    await page.getByRole('button', { name: 'Resume' }).click();
    await page.waitForFunction(() => /step 3[1-9]/.test(document.querySelector('[data-testid="status"]')?.textContent ?? ''), undefined, { timeout: 60_000 });
    await page.getByRole('button', { name: 'Save (IndexedDB)' }).click();
    await page.getByTestId('message').filter({ hasText: /saved step \d+ to IndexedDB/ }).waitFor({ timeout: 30_000 });
    await page.getByRole('button', { name: 'Load (IndexedDB)' }).click();
    await page.getByTestId('message').filter({ hasText: /loaded step \d+ from IndexedDB/ }).waitFor({ timeout: 30_000 });
    await page.locator('input[type="file"]').setInputFiles({ name: 'junk.ckpt', mimeType: 'application/octet-stream', buffer: Buffer.from('not a checkpoint at all') });
    const error = page.getByTestId('error');
    await error.waitFor({ timeout: 30_000 });
    expect(await error.innerText()).toMatch(/Cannot use checkpoint junk\.ckpt: it does not start with the AiT\.js checkpoint magic bytes/);
    expect(problems).toEqual([]);
  }, 120_000);
});
