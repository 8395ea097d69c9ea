import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { extractIds, extractLinks } from './helpers/html-links';
import { DIST_DIR, listFiles, requireBuiltSite, resolveSitePath } from './helpers/site-paths';

/** Internal links of every built page that point at no file, or at a missing `#fragment`. */
function checkLinks(): { broken: string[]; checked: number } {
  const pages = listFiles(DIST_DIR).filter((f) => f.endsWith('.html'));
  const idCache = new Map<string, Set<string>>();
  const idsOf = (file: string): Set<string> => {
    let ids = idCache.get(file);
    if (!ids) {
      ids = extractIds(readFileSync(file, 'utf8'));
      idCache.set(file, ids);
    }
    return ids;
  };
  const broken: string[] = [];
  let checked = 0;
  for (const page of pages) {
    const file = join(DIST_DIR, page);
    const html = readFileSync(file, 'utf8');
    const base = new URL(`http://site.local/${page}`);
    for (const link of extractLinks(html)) {
      const v = link.value;
      if (v === '' || /^(https?:|mailto:|data:|javascript:|tel:)/i.test(v) || v.startsWith('//')) continue;
      const url = new URL(v, base);
      checked++;
      const target = url.pathname === '/' ? join(DIST_DIR, 'index.html') : resolveSitePath(url.pathname);
      if (!target) {
        broken.push(`${page}: ${link.attribute}="${v}" (no file for ${url.pathname})`);
        continue;
      }
      const fragment = decodeURIComponent(url.hash.slice(1));
      if (fragment && target.endsWith('.html') && !idsOf(target).has(fragment)) {
        broken.push(`${page}: ${link.attribute}="${v}" (no element with id "${fragment}" in ${url.pathname})`);
      }
    }
  }
  return { broken, checked };
}

describe('built site links', () => {
  beforeAll(() => requireBuiltSite());

  it('has a page for every section of the site', () => {
    const pages = new Set(listFiles(DIST_DIR));
    for (const page of [
      'index.html',
      'guide/getting-started.html',
      'concepts/associative-transformer.html',
      'concepts/hopfield-networks.html',
      'concepts/hierarchical-associative-memory.html',
      'packages/core.html',
      'packages/hopfield.html',
      'packages/vision.html',
      'packages/datasets.html',
      'packages/cli.html',
      'guide/hopfield-in-your-model.html',
      'models/zoo.html',
      'guide/datasets.html',
      'reference/cli.html',
      'api/index.html',
      'benchmarks/index.html',
      'guide/browser.html',
      'playground.html',
      // the playground's backend binaries come from the site itself (initBackend's wasmPaths)
      'tfjs-wasm/tfjs-backend-wasm.wasm',
      'tfjs-wasm/tfjs-backend-wasm-simd.wasm',
      'tfjs-wasm/tfjs-backend-wasm-threaded-simd.wasm',
    ]) {
      expect(pages.has(page), `missing page ${page}`).toBe(true);
    }
  });

  it('has no internal link or image that points nowhere', () => {
    const { broken, checked } = checkLinks();
    expect(broken, broken.slice(0, 40).join('\n')).toEqual([]);
    // Every page links its assets, the navigation and the sidebar: thousands of links are checked.
    expect(checked).toBeGreaterThan(5000);
  });

  it('detects a broken link (the checker itself can fail)', () => {
    expect(resolveSitePath('/no/such/page.html')).toBeNull();
    expect(resolveSitePath('/guide/getting-started.html')).not.toBeNull();
    expect(resolveSitePath('/guide/getting-started')).not.toBeNull();
    expect(extractLinks('<a class="x" href="/a.html#b&amp;c">x</a><img src="/p.svg">')).toEqual([
      { attribute: 'href', value: '/a.html#b&c' },
      { attribute: 'src', value: '/p.svg' },
    ]);
  });

  it('fills the generated pages from their sources, not by hand', () => {
    const cli = readFileSync(join(DIST_DIR, 'reference/cli.html'), 'utf8');
    for (const command of ['ait train', 'ait eval', 'ait models', 'ait data generate']) expect(cli).toContain(command);
    expect(cli).toContain('--batch-size');
    const zoo = readFileSync(join(DIST_DIR, 'models/zoo.html'), 'utf8');
    for (const preset of ['ait-tiny', 'ait-base', 'vit-base', 'parallel-mixer-symmetric-tiny']) expect(zoo).toContain(preset);
    const bench = readFileSync(join(DIST_DIR, 'benchmarks/index.html'), 'utf8');
    expect(bench).toContain('bench-results');
  });

  it('shows option arguments of the CLI reference as typed, with the defaults the options state', () => {
    const cli = readFileSync(join(DIST_DIR, 'reference/cli.html'), 'utf8');
    // markdown escapes < once inside a code span; an entity in the source would show as "&lt;" on the page
    expect(cli).toContain('<code>-b, --batch-size &lt;n&gt;</code>');
    expect(cli).not.toContain('&amp;lt;');
    expect(cli).toMatch(
      /<td><code>-b, --batch-size &lt;n&gt;<\/code><\/td><td>examples per batch \(default 128\)<\/td><td><\/td><td><code>128<\/code><\/td>/,
    );
  });

  it('renders the formulas of the concept pages as math, not as TeX source', () => {
    for (const page of [
      'concepts/associative-transformer.html',
      'concepts/hopfield-networks.html',
      'concepts/hierarchical-associative-memory.html',
    ]) {
      const html = readFileSync(join(DIST_DIR, page), 'utf8');
      // MathJax output: an <mjx-container> with an SVG per formula, display formulas with display="true"
      expect(html, page).toMatch(/<mjx-container[^>]*class="MathJax"[^>]*display="true"[^>]*>\s*<svg/);
      expect(html, page).not.toMatch(/\$\$|\\mathrm\{|\\tfrac|\\sum_/);
    }
  });
});
