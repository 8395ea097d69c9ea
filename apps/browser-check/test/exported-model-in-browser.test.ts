// Section 4b of the guide "Use a trained model in your app" (apps/docs/docs/guide/use-a-trained-model.md),
// run as a reader follows it: a tiny model trained and exported with the built CLI (`ait train`,
// `ait export`), the export served as static files beside a page whose module is the guide's own
// `main.js` block (read from the page at test time, so the test fails when that code stops working),
// bundled with esbuild from the built packages and opened in headless Chromium. The page's class
// probabilities for Triangle test images (PNG files) must be those of
// `ait predict --json` in Node for the same files, within 1e-5.
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { triangleDataset } from '@ait/datasets';
import type { GuideClassifications } from '../pages/exported-model-page';
import { bundlePage } from '../src/bundle-page';
import { chromiumOrSkip, launchChromium } from '../src/chromium';
import { guideCodeBlock } from '../src/guide-code-block';
import { pngsInChromium } from '../src/png-in-chromium';
import { serveFolder, type StaticServer } from '../src/static-server';

const executablePath = chromiumOrSkip("the guide's exported-model page test");
const GUIDE = fileURLToPath(new URL('../../docs/docs/guide/use-a-trained-model.md', import.meta.url));
const HARNESS = fileURLToPath(new URL('../pages/exported-model-page.ts', import.meta.url));
const NODE_MODULES = fileURLToPath(new URL('../node_modules', import.meta.url));
const CLI = fileURLToPath(new URL('../../../packages/cli/dist/cli.js', import.meta.url));
/** Test images the page classifies. */
const IMAGES = 4;

/** One image's answer of `ait predict --json`. */
interface CliPrediction {
  readonly image: string;
  readonly predicted: string;
  readonly top: { readonly label: string; readonly probability: number }[];
}

/** Runs the built CLI with `args` and returns its stdout; a failure throws with its stderr. */
async function ait(...args: string[]): Promise<string> {
  try {
    const { stdout } = await promisify(execFile)(process.execPath, [CLI, ...args], { timeout: 60_000, maxBuffer: 16 << 20 });
    return stdout;
  } catch (err) {
    const { stderr, message } = err as { stderr?: string; message: string };
    throw new Error(`ait ${args.join(' ')} failed: ${stderr || message}`);
  }
}

describe.skipIf(!executablePath)("the guide's section 4b in headless Chromium: an exported model in a browser page", () => {
  let dir: string;
  let site: string;
  let run: string;
  let images: string[];
  let server: StaticServer;
  let browser: Browser;

  beforeAll(async () => {
    if (!existsSync(CLI)) throw new Error(`${CLI} is missing: build the packages first (pnpm build --filter=@ait/cli... at the root).`);
    dir = mkdtempSync(join(tmpdir(), 'ait-exported-model-'));
    site = join(dir, 'site');
    run = join(dir, 'run');
    // a tiny model: 16 steps of the default preset on generated Triangle data (about 3 s on wasm; a
    // single step on cpu takes 30 s)
    await ait(
      ...'train --dataset triangle --model ait-tiny-conv --epochs 2 --batch-size 16 --train-size 128 --test-size 16 --backend wasm --quiet'.split(
        ' ',
      ),
      '--out',
      run,
    );
    await ait('export', run, '--out', join(site, 'models', 'triangle'));

    // the page module: the guide's main.js exactly as written, plus an entry that hands its classify
    // to the harness (the packages resolve from this app's node_modules, as in a reader's project)
    const app = join(dir, 'app');
    mkdirSync(app);
    symlinkSync(NODE_MODULES, join(app, 'node_modules'), 'dir');
    writeFileSync(join(app, 'main.js'), `${guideCodeBlock(GUIDE, '## 4b.', 'main.js')}\n`);
    writeFileSync(
      join(app, 'entry.js'),
      `import { classify } from './main.js';\nimport { reportGuideClassifications } from ${JSON.stringify(HARNESS)};\nawait reportGuideClassifications(classify);\n`,
    );
    await bundlePage(join(app, 'entry.js'), site);
    server = await serveFolder(site);
    browser = await launchChromium(executablePath as string);

    // Triangle test images as PNG files (encoded by Chromium's canvas), served under /images/
    const data = triangleDataset({ split: 'test', size: IMAGES });
    const pngs = await pngsInChromium(
      browser,
      Array.from({ length: IMAGES }, (_, i) => data.get(i).image),
      data.imageShape,
    );
    mkdirSync(join(site, 'images'));
    images = pngs.map((png, i) => {
      writeFileSync(join(site, 'images', `triangle-test-${i}.png`), png);
      return `triangle-test-${i}.png`;
    });
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await server?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it("the guide's classify gives the class probabilities of `ait predict` in Node for the same PNG files", async () => {
    expect(images).toHaveLength(IMAGES);
    const problems: string[] = [];
    const page = await browser.newPage();
    // an error of the guide's module (its top-level await) never reaches the harness: fail at once
    const failed = new Promise<never>((_, reject) =>
      page.on('pageerror', (err) => {
        problems.push(`page error: ${err.message}`);
        reject(new Error(`the page failed: ${err.message}`));
      }),
    );
    page.on('console', (msg) => {
      if (msg.type() === 'error') problems.push(`console error: ${msg.text()}`);
    });
    let inBrowser: GuideClassifications;
    try {
      const query = images.map((f) => `image=${encodeURIComponent(`/images/${f}`)}`).join('&');
      await page.goto(`${server.url}/index.html?${query}`);
      await Promise.race([page.waitForFunction(() => window.__aitResult !== undefined, undefined, { timeout: 60_000 }), failed]);
      const result = (await page.evaluate(() => window.__aitResult)) as GuideClassifications & { error?: string };
      if (result.error) throw new Error(`the page failed: ${result.error}`);
      inBrowser = result;
    } finally {
      await page.close();
    }

    const inNode = JSON.parse(
      await ait('predict', run, ...images.map((f) => join(site, 'images', f)), '--json', '--top', '2', '--backend', 'wasm'),
    ) as CliPrediction[];
    expect(inNode).toHaveLength(IMAGES);
    expect(inBrowser.backend).toBe('wasm'); // initBackend({ backend: 'auto' }) in a page without WebGPU
    expect(inBrowser.images.map((r) => r.image)).toEqual(images.map((f) => `/images/${f}`));
    for (const [i, { probabilities, canvasProbabilities }] of inBrowser.images.entries()) {
      // the same pixels through a <canvas>: the same answer
      expect(canvasProbabilities).toEqual(probabilities);
      const node = inNode[i] as CliPrediction;
      expect(node.image.endsWith(images[i] as string)).toBe(true);
      expect(probabilities.map((p) => p.label).sort()).toEqual(node.top.map((p) => p.label).sort());
      const sum = probabilities.reduce((s, p) => s + p.probability, 0);
      expect(Math.abs(sum - 1)).toBeLessThan(1e-5);
      for (const { label, probability } of node.top) {
        const fromPage = probabilities.find((p) => p.label === label)?.probability ?? Number.NaN;
        expect(Math.abs(fromPage - probability), `${images[i]}, class ${label}: page ${fromPage}, Node ${probability}`).toBeLessThan(1e-5);
      }
    }
    // the images get different answers, so a 1e-5 agreement says something about the preprocessing
    const first = inBrowser.images.map((r) => r.probabilities[0]?.probability ?? Number.NaN);
    expect(Math.max(...first) - Math.min(...first)).toBeGreaterThan(1e-3);
    expect(problems).toEqual([]);
    expect(server.missing).toEqual([]);
  }, 90_000);
});
