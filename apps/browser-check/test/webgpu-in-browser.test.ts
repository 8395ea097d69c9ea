// @ait/core's webgpu backend in a browser: headless Debian Chromium, with the flags that give it a
// WebGPU adapter without a GPU (src/chromium-webgpu.ts: SwiftShader, a software adapter), trains
// the core and vision scenarios on webgpu with the losses of the cpu backend in Node (float32 on
// the GPU rounds differently: equal within 1e-4 relative), never reading the GPU synchronously;
// `auto` skips the software adapter and takes wasm; a Chromium without WebGPU (no flags) and a page
// that is not a secure context give BackendUnavailableError with the reason. Without an adapter
// the tests that need one skip and say why (console.warn: vitest prints no reason for a skip).
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, beforeEach, describe, expect, it, type TestContext } from 'vitest';
import { SCENARIOS, type ScenarioBackend, type ScenarioResult } from '../scenarios/index';
import type { RawAdapterInfo, WebGpuBackendsReport, WebGpuChoice } from '../scenarios/webgpu-backends';
import { bundlePage } from '../src/bundle-page';
import { chromiumOrSkip, launchChromium } from '../src/chromium';
import { INSECURE_HOST, launchChromiumWithWebGpu, WEBGPU_CHROMIUM_FLAGS } from '../src/chromium-webgpu';
import { serveFolder, type StaticServer } from '../src/static-server';

const executablePath = chromiumOrSkip('the in-browser WebGPU test');
const PAGE = fileURLToPath(new URL('../pages/page.ts', import.meta.url));
/**
 * Relative difference allowed between a loss on webgpu and on cpu: both compute in float32, in
 * other orders (seen on SwiftShader: at most 8.5e-7, over every step of the four scenarios).
 */
const LOSS_TOLERANCE = 1e-4;
/**
 * The scenarios trained on webgpu. hopfield and datasets pass too (at most 1.1e-7 apart) but add
 * about 20 s on 2 cores: SwiftShader compiles every shader on the CPU (vision's first step alone
 * takes 20-30 s), so they stay out to keep this test near a minute.
 */
const WEBGPU_SCENARIOS = ['core', 'vision'] as const;

/** How long a page may take to post its result; each test allows a minute more than this. */
const PAGE_TIMEOUT_MS = 240_000;
const TEST_TIMEOUT_MS = PAGE_TIMEOUT_MS + 60_000;

describe.skipIf(!executablePath)('@ait/core on WebGPU in headless Chromium', () => {
  let out: string;
  let server: StaticServer;
  let browser: Browser;
  /** Why the flagged Chromium has no WebGPU adapter, or `null` when it has one. */
  let noAdapter: string | null = null;
  const problems: string[] = [];

  /** Opens `url` in `inBrowser`, waits for the page's result and returns it. */
  async function run<T>(inBrowser: Browser, url: string): Promise<T> {
    const page: Page = await inBrowser.newPage();
    page.on('pageerror', (err) => problems.push(`${url}: page error: ${err.message}`));
    page.on('console', (msg) => {
      if (msg.type() === 'error') problems.push(`${url}: console error: ${msg.text()}`);
      // tfjs-backend-webgpu's warning on the first synchronous read from the GPU
      if (/synchronously reading data from GPU/.test(msg.text())) problems.push(`${url}: ${msg.text()}`);
    });
    try {
      await page.goto(url);
      // SwiftShader compiles every shader on the CPU: the vision page takes about 26 s on a quiet
      // 2-core machine and has taken over 90 s on a loaded CI one
      await page.waitForFunction(() => window.__aitResult !== undefined, undefined, { timeout: PAGE_TIMEOUT_MS });
      const result = (await page.evaluate(() => window.__aitResult)) as T & { error?: string };
      if (result.error) throw new Error(`the page failed: ${result.error}`);
      return result;
    } finally {
      await page.close();
    }
  }

  /** Skips the running test, saying why, where the flagged Chromium has no WebGPU adapter. */
  function needsAdapter(ctx: TestContext): void {
    if (noAdapter === null) return;
    console.warn(`Skipping "${ctx.task.name}": ${noAdapter}`);
    ctx.skip(noAdapter);
  }

  beforeAll(async () => {
    out = mkdtempSync(join(tmpdir(), 'ait-browser-webgpu-'));
    await bundlePage(PAGE, out);
    writeFileSync(join(out, 'blank.html'), '<!doctype html><meta charset="utf-8"><link rel="icon" href="data:,"><title>blank</title>\n');
    server = await serveFolder(out);
    browser = await launchChromiumWithWebGpu(executablePath as string);
    // does this Chromium offer an adapter at all? (asked as tfjs-backend-webgpu asks)
    const page = await browser.newPage();
    try {
      await page.goto(`${server.url}/blank.html`);
      const found = await page.evaluate(async () => {
        const gpu = (navigator as Navigator & { gpu?: { requestAdapter(o: object): Promise<object | null> } }).gpu;
        if (!gpu) return 'navigator.gpu is missing';
        return (await gpu.requestAdapter({ powerPreference: 'high-performance' })) === null
          ? 'navigator.gpu.requestAdapter() gave null'
          : null;
      });
      if (found !== null) {
        noAdapter = `headless Chromium (${executablePath}) with ${WEBGPU_CHROMIUM_FLAGS.join(' ')} has no WebGPU adapter here (${found}); see src/chromium-webgpu.ts`;
        console.warn(`${noAdapter}. The tests that train on WebGPU are skipped.`);
      }
    } finally {
      await page.close();
    }
  }, TEST_TIMEOUT_MS);

  beforeEach(() => {
    problems.length = 0;
    server.missing.length = 0;
  });

  afterAll(async () => {
    await browser?.close();
    await server?.close();
    if (out) rmSync(out, { recursive: true, force: true });
  });

  it(
    'initBackend: auto skips the software adapter for wasm, an explicit webgpu takes it',
    async (ctx) => {
      needsAdapter(ctx);
      const report = await run<WebGpuBackendsReport>(browser, `${server.url}/index.html?webgpu=1`);
      const syncWarning = problems.filter((p) => /synchronously reading data from GPU/.test(p));
      console.log(
        `WebGPU adapter in headless Chromium: ${JSON.stringify(report.adapter)}; initBackend: ${report.explicit.ok ? JSON.stringify(report.explicit.adapter) : report.explicit.message}`,
      );
      expect(report.secureContext).toBe(true);
      expect(report.navigatorGpu).toBe(true);
      // Chromium's own SwiftShader (its adapter info has been { vendor google, architecture
      // swiftshader, description "SwiftShader Device (Subzero)", isFallbackAdapter true })
      const adapter = report.adapter as RawAdapterInfo;
      expect(`${adapter.architecture} ${adapter.description}`).toMatch(/swiftshader/i);
      expect(adapter.isFallbackAdapter).toBe(true);
      // explicit: the software adapter, named, and the summary says it is one
      expect(report.explicit).toMatchObject({ ok: true, backend: 'webgpu', tfjsBackend: 'webgpu', adapter: { software: true } });
      const explicit = report.explicit as Extract<WebGpuChoice, { ok: true }>;
      const name = explicit.adapter?.name ?? '';
      expect(name).toMatch(/SwiftShader/i);
      expect(
        explicit.summary.startsWith(
          `backend webgpu (WebGPU backend ready on ${name}, from the browser's WebGPU; a software adapter (it is a fallback adapter)`,
        ),
      ).toBe(true);
      // auto: not the software adapter, and says why
      expect(report.auto.backend).toBe('wasm');
      expect(report.auto.webgpuReason.startsWith(`the only WebGPU adapter is a software one, ${name} (it is a fallback adapter): `)).toBe(
        true,
      );
      expect(report.auto.summary).toMatch(/^backend wasm \(.*; skipped .*webgpu: the only WebGPU adapter is a software one/);
      // the control of what the training tests check: a read of host values is not counted, a
      // synchronous read from the GPU is, and tfjs-backend-webgpu's warning about it is seen
      expect(explicit.syncReadControl).toEqual({ hostRead: 0, gpuRead: 1 });
      expect(syncWarning).toHaveLength(1);
      expect(problems.filter((p) => !syncWarning.includes(p))).toEqual([]);
      expect(server.missing).toEqual([]);
    },
    TEST_TIMEOUT_MS,
  );

  it.for(WEBGPU_SCENARIOS)(
    '%s trains on webgpu in the page with the losses of cpu in Node (1e-4 relative), never reading the GPU synchronously',
    { timeout: TEST_TIMEOUT_MS },
    async (name, ctx) => {
      needsAdapter(ctx);
      const started = Date.now();
      // the page trains in Chromium's processes while Node trains on cpu here
      const [inBrowser, inNode] = await Promise.all([
        run<ScenarioResult>(browser, `${server.url}/index.html?scenario=${name}&backend=webgpu`).then((result) => ({
          ...result,
          ms: Date.now() - started,
        })),
        (SCENARIOS[name] as (b: ScenarioBackend) => Promise<ScenarioResult>)('cpu'),
      ]);
      const relative = inBrowser.losses.map(
        (loss, i) => Math.abs(loss - (inNode.losses[i] as number)) / Math.abs(inNode.losses[i] as number),
      );
      console.log(
        `${name} on webgpu (${inBrowser.adapter ?? '?'}) in ${inBrowser.ms} ms: ${JSON.stringify(inBrowser.losses)}; cpu in Node: ${JSON.stringify(inNode.losses)}; ` +
          `largest relative difference ${Math.max(...relative).toExponential(2)}`,
      );
      expect(inBrowser.backend).toBe('webgpu');
      expect(inBrowser.adapter).toMatch(/swiftshader/i);
      expect(inNode.backend).toBe('cpu');
      expect(inBrowser.losses.length).toBe(inNode.losses.length);
      expect(inBrowser.losses.length).toBeGreaterThanOrEqual(6);
      expect(inBrowser.losses.every(Number.isFinite)).toBe(true);
      for (const r of relative) expect(r).toBeLessThan(LOSS_TOLERANCE);
      // the library's training path reads tensors from the GPU with `await data()` only
      expect(inBrowser.gpuSyncReadStacks).toEqual([]);
      expect(inBrowser.gpuSyncReads).toBe(0);
      expect(problems).toEqual([]);
      expect(server.missing).toEqual([]);
    },
  );

  it(
    'a page that is not a secure context has no WebGPU: BackendUnavailableError says so, auto takes wasm',
    async () => {
      const insecure = server.url.replace('127.0.0.1', INSECURE_HOST);
      const report = await run<WebGpuBackendsReport>(browser, `${insecure}/index.html?webgpu=1`);
      expect(report.secureContext).toBe(false);
      expect(report.navigatorGpu).toBe(false);
      expect(report.auto.backend).toBe('wasm');
      expect(report.auto.webgpuReason).toMatch(/not a secure context/);
      expect(report.explicit).toMatchObject({ ok: false, errorName: 'BackendUnavailableError', isBackendUnavailableError: true });
      expect(!report.explicit.ok && report.explicit.message).toMatch(
        /^Backend "webgpu" is not available: this page is not a secure context, and browsers offer WebGPU \(navigator\.gpu\) to https:\/\/ and localhost pages only\./,
      );
      expect(problems).toEqual([]);
      expect(server.missing).toEqual([]);
    },
    TEST_TIMEOUT_MS,
  );

  it(
    'Chromium without the WebGPU flags has no adapter: BackendUnavailableError says so, auto takes wasm',
    async () => {
      const plain = await launchChromium(executablePath as string);
      try {
        const report = await run<WebGpuBackendsReport>(plain, `${server.url}/index.html?webgpu=1`);
        expect(report.secureContext).toBe(true);
        expect(report.adapter).toBeNull();
        expect(report.auto.backend).toBe('wasm');
        expect(report.explicit).toMatchObject({ ok: false, errorName: 'BackendUnavailableError', isBackendUnavailableError: true });
        expect(!report.explicit.ok && report.explicit.message).toMatch(
          /^Backend "webgpu" is not available: .*(no WebGPU adapter|navigator\.gpu is missing)/,
        );
      } finally {
        await plain.close();
      }
      expect(problems.filter((p) => !/No available adapters/.test(p))).toEqual([]);
      expect(server.missing).toEqual([]);
    },
    TEST_TIMEOUT_MS,
  );
});
