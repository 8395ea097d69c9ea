import { existsSync, mkdirSync, readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { CHROMIUM_FLAGS, findChromium } from './helpers/chromium';
import { API_PACKAGES, requireBuiltSite } from './helpers/site-paths';
import { serveSite, type SiteServer } from './helpers/static-server';

const SHOTS = fileURLToPath(new URL('../screenshots', import.meta.url));
const executablePath = findChromium();

if (!executablePath) {
  const message = 'Chromium is not installed (looked for $AIT_CHROMIUM, /usr/bin/chromium): install it with `apt-get install -y chromium`.';
  // CI installs Chromium, so there a missing browser is a failure, never a silent skip.
  if (process.env.CI) throw new Error(`${message} CI must run the browser test.`);
  console.warn(`${message} Skipping the headless-browser test.`);
}

/** Key pages: path, expected `<h1>` text and a word the page title must contain. */
const PAGES: ReadonlyArray<{ path: string; h1: RegExp; title: string }> = [
  { path: '/', h1: /AiT\.js/, title: 'AiT.js' },
  { path: '/guide/getting-started.html', h1: /Getting started/, title: 'Getting started' },
  { path: '/concepts/associative-transformer.html', h1: /The Associative Transformer/, title: 'Associative Transformer' },
  { path: '/concepts/hopfield-networks.html', h1: /Hopfield networks/, title: 'Hopfield networks' },
  { path: '/concepts/hierarchical-associative-memory.html', h1: /Hierarchical associative memory/, title: 'Hierarchical' },
  { path: '/packages/core.html', h1: /@ait\/core/, title: '@ait/core' },
  { path: '/packages/hopfield.html', h1: /@ait\/hopfield/, title: '@ait/hopfield' },
  { path: '/packages/vision.html', h1: /@ait\/vision/, title: '@ait/vision' },
  { path: '/packages/datasets.html', h1: /@ait\/datasets/, title: '@ait/datasets' },
  { path: '/packages/cli.html', h1: /@ait\/cli/, title: '@ait/cli' },
  { path: '/guide/hopfield-in-your-model.html', h1: /only @ait\/hopfield/, title: '@ait/hopfield' },
  { path: '/models/zoo.html', h1: /Model zoo/, title: 'Model zoo' },
  { path: '/guide/datasets.html', h1: /Data sets/, title: 'Data sets' },
  { path: '/reference/cli.html', h1: /CLI reference/, title: 'CLI reference' },
  { path: '/benchmarks/', h1: /Benchmarks and results/, title: 'Benchmarks' },
  { path: '/benchmarks/vision.html', h1: /@ait\/vision benchmarks/, title: 'benchmarks' },
  { path: '/guide/browser.html', h1: /In the browser/, title: 'In the browser' },
  { path: '/playground.html', h1: /Playground/, title: 'Playground' },
];

describe.skipIf(!executablePath)('the built site in headless Chromium', () => {
  let server: SiteServer;
  let browser: Browser;
  const problems: string[] = [];

  /** Opens a page, recording console errors, page errors, failed and non-loopback requests. */
  async function open(path: string): Promise<Page> {
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    page.on('console', (msg) => {
      if (msg.type() === 'error') problems.push(`${path}: console error: ${msg.text()}`);
    });
    page.on('pageerror', (err) => problems.push(`${path}: page error: ${err.message}`));
    page.on('requestfailed', (req) => problems.push(`${path}: request failed: ${req.url()} (${req.failure()?.errorText ?? '?'})`));
    page.on('response', (res) => {
      if (res.status() >= 400) problems.push(`${path}: HTTP ${res.status()} for ${res.url()}`);
    });
    page.on('request', (req) => {
      if (!req.url().startsWith(server.url) && !req.url().startsWith('data:'))
        problems.push(`${path}: request leaves the site: ${req.url()}`);
    });
    const response = await page.goto(server.url + path, { waitUntil: 'load' });
    expect(response?.status(), `HTTP status of ${path}`).toBe(200);
    return page;
  }

  beforeAll(async () => {
    requireBuiltSite();
    mkdirSync(SHOTS, { recursive: true });
    server = await serveSite();
    browser = await chromium.launch({ executablePath: executablePath!, args: [...CHROMIUM_FLAGS], headless: true });
  });

  beforeEach(() => {
    problems.length = 0;
  });

  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });

  it('loads every key page with its title and heading, and saves screenshots', async () => {
    for (const { path, h1, title } of PAGES) {
      const page = await open(path);
      const heading = page.locator('h1').first();
      await heading.waitFor();
      expect(await heading.innerText(), `h1 of ${path}`).toMatch(h1);
      expect(await page.title(), `title of ${path}`).toContain(title);
      const name = path === '/' ? 'home' : path.replace(/^\/|\.html$|\/$/g, '').replace(/\//g, '-');
      await page.screenshot({ path: `${SHOTS}/${name}.png`, fullPage: false });
      await page.close();
    }
    expect(problems).toEqual([]);
  });

  it('shows the diagrams, and the benchmark plots where results exist', async () => {
    // Published results (results/bench/, committed) or local ones (bench-results/, git-ignored);
    // without either the page must say how to produce them instead of showing plots.
    const hasResults = ['../../../results/bench/vision', '../../../packages/vision/bench-results'].some((rel) => {
      const dir = fileURLToPath(new URL(rel, import.meta.url));
      return existsSync(dir) && readdirSync(dir).some((f) => f.endsWith('.json'));
    });
    for (const path of ['/concepts/associative-transformer.html', '/benchmarks/vision.html']) {
      const page = await open(path);
      const images = await page
        .locator('.vp-doc img')
        .evaluateAll((els) => els.map((e) => ({ src: (e as HTMLImageElement).src, w: (e as HTMLImageElement).naturalWidth })));
      if (path.startsWith('/benchmarks/') && !hasResults) {
        expect(await page.locator('.vp-doc').innerText(), `${path} without results`).toMatch(/pnpm bench/);
      } else {
        expect(images.length, `images on ${path}`).toBeGreaterThan(0);
      }
      for (const img of images) expect(img.w, `${img.src} did not load`).toBeGreaterThan(0);
      await page.close();
    }
    expect(problems).toEqual([]);
  });

  it('navigates through the top bar and the sidebar', async () => {
    const page = await open('/');
    await page.locator('.VPNavBar a', { hasText: 'Models' }).first().click();
    await page.waitForURL(/\/models\/zoo\.html$/);
    await page.locator('h1', { hasText: 'Model zoo' }).waitFor();
    await page.locator('.VPSidebar a', { hasText: 'The Associative Transformer' }).first().click();
    await page.waitForURL(/\/concepts\/associative-transformer\.html$/);
    await page.locator('h1', { hasText: 'The Associative Transformer' }).waitFor();
    expect(await page.title()).toContain('Associative Transformer');
    await page.screenshot({ path: `${SHOTS}/navigation.png` });
    await page.close();
    expect(problems).toEqual([]);
  });

  it('finds pages with the local search', async () => {
    const page = await open('/');
    await page.locator('.VPNavBarSearch button').first().click();
    const input = page.locator('.VPLocalSearchBox input');
    await input.waitFor();
    await input.fill('bottleneck competition');
    const results = page.locator('.VPLocalSearchBox .results li');
    await results.first().waitFor();
    expect(await results.count()).toBeGreaterThan(0);
    expect(await page.locator('.VPLocalSearchBox .results').innerText()).toMatch(/Associative Transformer/);
    await page.screenshot({ path: `${SHOTS}/search.png` });
    await results.first().click();
    await page.waitForURL(/\.html/);
    await page.close();
    expect(problems).toEqual([]);
  });

  it('has API reference pages for every package', async () => {
    for (const { name, symbol } of API_PACKAGES) {
      const page = await open(`/api/@ait/${name}/`);
      expect(await page.locator('h1').first().innerText()).toContain(`@ait/${name}`);
      expect(await page.locator('.vp-doc').innerText(), `${symbol} on the @ait/${name} API page`).toContain(symbol);
      if (name === 'core') await page.screenshot({ path: `${SHOTS}/api-core.png` });
      await page.close();
    }
    const index = await open('/api/');
    for (const { name } of API_PACKAGES) expect(await index.locator('.vp-doc').innerText()).toContain(`@ait/${name}`);
    await index.close();
    expect(problems).toEqual([]);
  });
});
