import { readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { listFiles } from './site-paths';

/** Folder of the hand-written markdown sources. */
export const DOCS_SRC = fileURLToPath(new URL('../../docs', import.meta.url));

/** A complete TypeScript program shown on a page. */
export interface DocExample {
  /** Page it comes from, relative to `docs/`. */
  readonly page: string;
  /** Index of the example on its page. */
  readonly index: number;
  /** The program text. */
  readonly code: string;
}

/**
 * Every ```ts block of the hand-written pages that is a complete program (it calls
 * `await initBackend(...)`); fragments that continue another example are not included.
 * Generated folders (`api/`, `benchmarks/`, `reference/`, `models/`) are skipped.
 */
export function completeExamples(): DocExample[] {
  const out: DocExample[] = [];
  const pages = listFiles(DOCS_SRC).filter((f) => f.endsWith('.md') && !/^(api|benchmarks|reference|models)\//.test(f));
  for (const page of pages.sort()) {
    const md = readFileSync(join(DOCS_SRC, page), 'utf8');
    const re = /```ts\n([\s\S]*?)```/g;
    let index = 0;
    for (let m = re.exec(md); m; m = re.exec(md)) {
      if (m[1]!.includes('await initBackend(')) out.push({ page: relative('.', page), index: index++, code: m[1]! });
    }
  }
  return out;
}
