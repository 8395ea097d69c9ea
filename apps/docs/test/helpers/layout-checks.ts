/**
 * Layout checks of the built site. The two `…InPage` functions run inside Chromium (`page.evaluate`), so they
 * take no arguments from this module's scope and return plain strings; `literalEntities` reads HTML files.
 */

/**
 * Run in a page of the site: one line per table of the page's content (`.vp-doc`) whose content is wider than
 * the column (the table scrolls sideways, or reaches past the column's right edge).
 */
export function tableOverflowsInPage(): string[] {
  const out: string[] = [];
  const column = document.querySelector('.vp-doc');
  if (!column) return out;
  const right = column.getBoundingClientRect().right;
  document.querySelectorAll<HTMLTableElement>('.vp-doc table').forEach((table, i) => {
    const box = table.getBoundingClientRect();
    if (table.scrollWidth > table.clientWidth + 1 || box.right > right + 1) {
      const head = (table.querySelector('th')?.textContent ?? '').trim();
      out.push(`table ${i + 1} ("${head}", ...) needs ${table.scrollWidth} px, the column has ${Math.round(right - box.left)} px`);
    }
  });
  return out;
}

/**
 * Run in a page that shows one SVG file: one line per `<text>` that reaches outside the SVG's viewport
 * (a clipped label) or overlaps another label.
 */
export function svgLabelProblemsInPage(): string[] {
  const out: string[] = [];
  const svg = document.documentElement;
  const view = svg.getBoundingClientRect();
  const texts = Array.from(svg.querySelectorAll('text'))
    .map((t) => ({ label: (t.textContent ?? '').trim(), box: t.getBoundingClientRect() }))
    .filter((t) => t.label !== '' && t.box.width > 0);
  const tol = 0.5;
  for (const { label, box } of texts) {
    if (box.left < view.left - tol || box.top < view.top - tol || box.right > view.right + tol || box.bottom > view.bottom + tol) {
      out.push(
        `"${label}" is clipped: it spans x ${box.left.toFixed(1)}..${box.right.toFixed(1)}, y ${box.top.toFixed(1)}..${box.bottom.toFixed(1)}` +
          ` in a ${view.width.toFixed(0)} x ${view.height.toFixed(0)} viewport`,
      );
    }
  }
  // Labels overlap when their boxes share more than a sliver (line boxes of stacked lines may touch).
  for (let i = 0; i < texts.length; i++) {
    for (let j = i + 1; j < texts.length; j++) {
      const [a, b] = [texts[i]!.box, texts[j]!.box];
      const w = Math.min(a.right, b.right) - Math.max(a.left, b.left);
      const h = Math.min(a.bottom, b.bottom) - Math.max(a.top, b.top);
      if (w > 1 && h > 2) out.push(`"${texts[i]!.label}" and "${texts[j]!.label}" overlap`);
    }
  }
  return out;
}

/**
 * The HTML entities a page shows as literal text (`&lt;` on the screen): an entity whose `&` was itself escaped
 * in the HTML (`&amp;lt;`), as happens when markdown escapes an entity written inside a code span.
 */
export function literalEntities(html: string): string[] {
  return [...html.matchAll(/&amp;(?:lt|gt|amp|quot|apos|nbsp|#\d+|#x[\da-f]+);/gi)].map((m) => m[0].replace('&amp;', '&'));
}
