// Every package trains in headless Chromium (Debian's, through playwright-core) with the same
// losses as in Node, on wasm and on cpu; checkpoints move between Node and the page both ways and
// round-trip through IndexedDB; @ait/vision's pretrained model loads by name and predicts as in Node.
// The page is bundled with esbuild for the browser from the built
// packages (their browser entries), so this also checks what a user's bundle gets; the Node side
// runs the built packages too (dist/index.js: vitest.config.ts drops the @ait/source condition).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Browser, Download, Page } from 'playwright-core';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { captureCheckpoint, decodeCheckpoint, disposeCheckpoint, initBackend, loadCheckpoint, saveCheckpoint } from '@ait/core';
import { checkpointModel, checkpointWeights, type CheckpointExchange, type CheckpointFiles } from '../scenarios/checkpoint-exchange';
import { SCENARIOS, type ScenarioBackend, type ScenarioResult } from '../scenarios/index';
import { pretrainedPredictions, type PretrainedPredictions } from '../scenarios/pretrained-model';
import { bundlePage } from '../src/bundle-page';
import { chromiumOrSkip, launchChromium } from '../src/chromium';
import { filesOnStackOf } from '../src/stack-files';
import { serveFolder, type StaticServer } from '../src/static-server';

const executablePath = chromiumOrSkip('the in-browser training test');
const PAGE = fileURLToPath(new URL('../pages/page.ts', import.meta.url));

it('the Node side runs the built @ait/core (dist/index.js), as users get it, not its sources', () => {
  const files = filesOnStackOf(() => decodeCheckpoint(new Uint8Array([1, 2, 3]), 'x.ckpt'));
  expect(files.length).toBeGreaterThan(0);
  expect(files[0]).toMatch(/[/\\]core[/\\]dist[/\\]index\.js$/);
});

describe.skipIf(!executablePath)('AiT.js in headless Chromium', () => {
  let out: string;
  let server: StaticServer;
  let browser: Browser;
  const problems: string[] = [];

  /**
   * Opens the page with `query` and waits for its result; `hooks.onPage` sees the page before it
   * loads, `hooks.beforeClose` runs before it closes.
   */
  async function run<T>(query: string, hooks: { onPage?: (page: Page) => void; beforeClose?: () => Promise<void> } = {}): Promise<T> {
    const page: Page = await browser.newPage({ acceptDownloads: true });
    hooks.onPage?.(page);
    page.on('pageerror', (err) => problems.push(`${query}: page error: ${err.message}`));
    page.on('console', (msg) => {
      if (msg.type() === 'error') problems.push(`${query}: console error: ${msg.text()}`);
    });
    try {
      await page.goto(`${server.url}/index.html?${query}`);
      await page.waitForFunction(() => window.__aitResult !== undefined, undefined, { timeout: 90_000 });
      const result = (await page.evaluate(() => window.__aitResult)) as T & { error?: string };
      if (result.error) throw new Error(`the page failed: ${result.error}`);
      await hooks.beforeClose?.();
      return result;
    } finally {
      await page.close();
    }
  }

  beforeAll(async () => {
    out = mkdtempSync(join(tmpdir(), 'ait-browser-check-'));
    await bundlePage(PAGE, out);
    server = await serveFolder(out);
    browser = await launchChromium(executablePath as string);
  }, 120_000);

  beforeEach(() => {
    problems.length = 0;
    server.missing.length = 0;
  });

  afterAll(async () => {
    await browser?.close();
    await server?.close();
    rmSync(out, { recursive: true, force: true });
  });

  it('initBackend in a browser: auto picks wasm with the SIMD kernels, names tfjs-node as unavailable, and a missing .wasm is an error', async () => {
    const report = await run<{
      missing: string;
      webgl: string;
      auto: { backend: string; summary: string; simdKernels?: string; threads?: number };
    }>('backends=1');
    expect(report.missing).toMatch(
      /Backend "wasm" is not available: tfjs-wasm's binary tfjs-backend-wasm(-simd)?\.wasm could not be fetched from http:\/\/127\.0\.0\.1:\d+\/no-such-folder\/tfjs-backend-wasm(-simd)?\.wasm \(HTTP 404/,
    );
    // headless Chromium without a GPU may or may not give WebGL (SwiftShader): either it runs or it says why
    expect(report.webgl).toMatch(/backend webgl \(WebGL \d backend ready\)|Backend "webgl" is not available: /);
    expect(report.auto.backend).toBe('wasm');
    expect(report.auto.summary).toMatch(/tensorflow-gpu: @tensorflow\/tfjs-node-gpu is not available in a browser/);
    expect(report.auto.simdKernels).toBe('relaxed');
    expect(report.auto.threads).toBe(1);
    // the missing folder was asked for; nothing else was missing
    expect(server.missing.filter((p) => !p.startsWith('/no-such-folder/'))).toEqual([]);
    expect(problems.filter((p) => !p.includes('404'))).toEqual([]);
  }, 120_000);

  it('offers a checkpoint as a download that Node loads, and reads picked files, naming a corrupt one', async () => {
    await initBackend({ backend: 'cpu' });
    let download: Promise<Download> | undefined;
    const target = join(out, 'downloaded.ckpt');
    let name = '';
    const files = await run<CheckpointFiles>('files=1', {
      onPage: (page) => {
        download = page.waitForEvent('download');
      },
      beforeClose: async () => {
        const file = await download;
        name = file?.suggestedFilename() ?? '';
        await file?.saveAs(target);
      },
    });
    expect(name).toBe('page-download.ckpt');
    const loaded = await loadCheckpoint(target);
    expect(loaded.position).toEqual({ epoch: 2, step: 9, stepInEpoch: 1 });
    expect(loaded.info.bytes).toBe(files.offeredBytes);
    disposeCheckpoint(loaded);
    expect(files.readBackStep).toBe(9);
    expect(files.corruptMessage).toMatch(/Cannot use checkpoint picked\.ckpt: it does not start with the AiT\.js checkpoint magic bytes/);
    expect(problems).toEqual([]);
  }, 120_000);

  const cases: [string, ScenarioBackend][] = Object.keys(SCENARIOS).flatMap((name) =>
    (['wasm', 'cpu'] as const).map((b): [string, ScenarioBackend] => [name, b]),
  );

  it.each(cases)(
    '%s trains on %s with the losses it has in Node',
    async (name, backend) => {
      const inBrowser = await run<ScenarioResult>(`scenario=${name}&backend=${backend}`);
      const inNode = await (SCENARIOS[name] as (b: ScenarioBackend) => Promise<ScenarioResult>)(backend);
      expect(inBrowser.backend).toBe(backend);
      expect(inNode.backend).toBe(backend);
      expect(inBrowser.losses.length).toBeGreaterThanOrEqual(6);
      expect(inBrowser.losses.every(Number.isFinite)).toBe(true);
      // the same seeds, data and kernels: the same numbers, to the last bit
      expect(inBrowser.losses).toEqual(inNode.losses);
      expect(problems).toEqual([]);
      expect(server.missing).toEqual([]);
    },
    120_000,
  );

  it.each(['wasm', 'cpu'] as const)(
    "loadPretrainedModel in the page (weights from @ait/vision's weight module, checked by SHA-256) predicts as in Node, on %s",
    async (backend) => {
      const inBrowser = await run<PretrainedPredictions>(`pretrained=1&backend=${backend}`);
      const inNode = await pretrainedPredictions(backend);
      expect(inBrowser.backend).toBe(backend);
      expect(inBrowser.name).toBe(inNode.name);
      expect(inBrowser.probabilities).toHaveLength(4);
      expect(inBrowser.probabilities.flat().every(Number.isFinite)).toBe(true);
      expect(inBrowser.probabilities).toEqual(inNode.probabilities);
      expect(problems).toEqual([]);
      expect(server.missing).toEqual([]);
    },
    120_000,
  );

  it('reads a checkpoint written in Node, and Node reads one written in the page; IndexedDB round-trips', async () => {
    await initBackend({ backend: 'cpu' });
    const nodeModel = checkpointModel(1);
    const nodeContents = captureCheckpoint({ model: nodeModel, position: { epoch: 0, step: 3, stepInEpoch: 3 } });
    await saveCheckpoint(join(out, 'node.ckpt'), nodeContents);
    const nodeWeights = Object.fromEntries(Object.entries(nodeContents.weights).map(([name, t]) => [name, Array.from(t.dataSync())]));
    disposeCheckpoint(nodeContents);

    const exchange = await run<CheckpointExchange>('checkpoint=1');
    expect(exchange.fromNode).toEqual(nodeWeights);
    expect(exchange.indexedDbRoundTrip).toBe(true);

    const fromPage = decodeCheckpoint(new Uint8Array(Buffer.from(exchange.pageBytes, 'base64')), 'page.ckpt');
    expect(fromPage.position).toEqual({ epoch: 1, step: 5, stepInEpoch: 0 });
    expect(fromPage.config).toEqual({ from: 'page' });
    // the page built its model with seed 2: Node's seeded initialisers give the same weights (layer
    // names carry per-process counters, so compare in order, names without their digits)
    const same = captureCheckpoint({ model: checkpointModel(2) });
    const pageWeights = checkpointWeights(fromPage);
    const nodeSame = Object.fromEntries(Object.entries(same.weights).map(([name, t]) => [name, Array.from(t.dataSync())]));
    const shape = (names: string[]): string[] => names.map((n) => n.replace(/\d+/g, '#'));
    expect(shape(Object.keys(pageWeights))).toEqual(shape(Object.keys(nodeSame)));
    expect(Object.values(pageWeights)).toEqual(Object.values(nodeSame));
    disposeCheckpoint(same);
    disposeCheckpoint(fromPage);
    expect(problems).toEqual([]);
  }, 120_000);
});
