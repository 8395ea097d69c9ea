/** A link found in an HTML page: the attribute it came from and its raw value. */
export interface HtmlLink {
  readonly attribute: 'href' | 'src';
  readonly value: string;
}

/** Every `href` and `src` attribute value in `html` (entities `&amp;` decoded). */
export function extractLinks(html: string): HtmlLink[] {
  const out: HtmlLink[] = [];
  const re = /\s(href|src)\s*=\s*"([^"]*)"/g;
  for (let m = re.exec(html); m; m = re.exec(html)) {
    out.push({ attribute: m[1] as 'href' | 'src', value: m[2]!.replace(/&amp;/g, '&') });
  }
  return out;
}

/** Every `id` attribute value in `html`, the targets of `#fragment` links. */
export function extractIds(html: string): Set<string> {
  const ids = new Set<string>();
  const re = /\sid\s*=\s*"([^"]*)"/g;
  for (let m = re.exec(html); m; m = re.exec(html)) ids.add(decodeURIComponent(m[1]!));
  return ids;
}
