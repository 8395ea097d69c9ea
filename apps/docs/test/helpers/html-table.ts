/** Text of an HTML fragment: tags dropped, the common entities decoded, white space collapsed. */
export function htmlText(html: string): string {
  return html
    .replace(/<[^>]*>/g, '')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&#39;|&apos;/g, "'")
    .replace(/&#(\d+);/g, (_m, code: string) => String.fromCodePoint(Number(code)))
    .replace(/&amp;/g, '&')
    .replace(/\s+/g, ' ')
    .trim();
}

/**
 * The body rows of the first `<table>` after the element with id `id` in a built page, each row
 * as its cells' text; `null` when the page has no such element or no table after it.
 */
export function tableAfter(html: string, id: string): string[][] | null {
  const at = html.indexOf(`id="${id}"`);
  if (at < 0) return null;
  const table = html.slice(at).match(/<table[\s\S]*?<\/table>/)?.[0];
  if (!table) return null;
  const body = table.match(/<tbody>([\s\S]*?)<\/tbody>/)?.[1] ?? '';
  return [...body.matchAll(/<tr>([\s\S]*?)<\/tr>/g)].map((row) =>
    [...row[1]!.matchAll(/<td[^>]*>([\s\S]*?)<\/td>/g)].map((c) => htmlText(c[1]!)),
  );
}
