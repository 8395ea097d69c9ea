import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { chromium, type Browser, type BrowserContext } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CHROMIUM_FLAGS, findChromium } from './helpers/chromium';
import { literalEntities, svgLabelProblemsInPage, tableOverflowsInPage } from './helpers/layout-checks';
import { DIST_DIR, listFiles, requireBuiltSite } from './helpers/site-paths';
import { serveSite, type SiteServer } from './helpers/static-server';

const executablePath = findChromium();
if (!executablePath && process.env.CI)
  throw new Error('Chromium is not installed: CI must run the layout test (apt-get install -y chromium).');

describe('what every page of the built site shows', () => {
  beforeAll(() => requireBuiltSite());

  it('shows no HTML entity as literal text (`&lt;` on the screen) on any page', () => {
    const pages = listFiles(DIST_DIR).filter((f) => f.endsWith('.html'));
    expect(pages.length).toBeGreaterThan(500);
    const found = pages.flatMap((page) => literalEntities(readFileSync(join(DIST_DIR, page), 'utf8')).map((e) => `${page}: ${e}`));
    expect(found, found.slice(0, 20).join('\n')).toEqual([]);
  });

  it('detects an entity shown as text (the check itself can fail)', () => {
    expect(literalEntities('<code>--batch-size &amp;lt;n&amp;gt;</code> a &amp; b &lt;ok&gt;')).toEqual(['&lt;', '&gt;']);
  });
});

describe.skipIf(!executablePath)('the layout of the built site in headless Chromium', () => {
  let server: SiteServer;
  let browser: Browser;
  let context: BrowserContext;

  beforeAll(async () => {
    requireBuiltSite();
    server = await serveSite();
    browser = await chromium.launch({ executablePath: executablePath!, args: [...CHROMIUM_FLAGS], headless: true });
    // The pages are rendered on the server: without scripts the layout is the same and a page loads in a few ms.
    context = await browser.newContext({ viewport: { width: 1280, height: 900 }, javaScriptEnabled: false });
  });

  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });

  /** Opens each site path in turn and collects what `check` (run in the page) reports, each line prefixed with the path. */
  async function problemsOn(paths: readonly string[], check: () => string[]): Promise<string[]> {
    const page = await context.newPage();
    const problems: string[] = [];
    for (const path of paths) {
      await page.goto(`${server.url}/${path}`, { waitUntil: 'load' });
      problems.push(...(await page.evaluate(check)).map((p) => `${path}: ${p}`));
    }
    await page.close();
    return problems;
  }

  it('fits every table of every page into its content column', async () => {
    const pages = listFiles(DIST_DIR).filter((f) => f.endsWith('.html') && readFileSync(join(DIST_DIR, f), 'utf8').includes('<table'));
    // the hand-written pages with tables, the generated ones and the API pages with config options tables
    expect(pages).toEqual(expect.arrayContaining(['models/zoo.html', 'reference/cli.html', 'api/@ait/vision/type-aliases/AitConfig.html']));
    const problems = await problemsOn(pages, tableOverflowsInPage);
    expect(problems, problems.join('\n')).toEqual([]);
  }, 60_000);

  it('draws every label of every SVG picture inside the picture, without overlaps', async () => {
    const svgs = listFiles(DIST_DIR).filter((f) => f.endsWith('.svg'));
    expect(svgs).toEqual(expect.arrayContaining(['diagrams/energy-landscape.svg', 'diagrams/ait-block.svg']));
    const problems = await problemsOn(svgs, svgLabelProblemsInPage);
    expect(problems, problems.join('\n')).toEqual([]);
  }, 60_000);

  it('detects a table wider than its column and a clipped or overlapping label (the checks themselves can fail)', async () => {
    const page = await context.newPage();
    const wide = 'x'.repeat(400);
    await page.setContent(
      `<div class="vp-doc" style="width: 300px"><table style="display: block; overflow-x: auto"><tr><th>a</th><td>${wide}</td></tr></table></div>`,
    );
    expect(await page.evaluate(tableOverflowsInPage)).toEqual([expect.stringMatching(/^table 1 \("a", \.\.\.\) needs \d+ px/)]);
    const svg =
      '<svg xmlns="http://www.w3.org/2000/svg" width="200" height="100" viewBox="0 0 200 100" font-size="12">' +
      '<text x="190" y="50">clipped label</text><text x="10" y="80">one</text><text x="14" y="82">two</text></svg>';
    await page.goto(`data:image/svg+xml,${encodeURIComponent(svg)}`);
    const problems = await page.evaluate(svgLabelProblemsInPage);
    expect(problems).toEqual([expect.stringMatching(/^"clipped label" is clipped/), '"one" and "two" overlap']);
    await page.close();
  });
});
