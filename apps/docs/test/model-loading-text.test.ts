import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { DOCS_SRC } from './helpers/doc-examples';
import { listFiles } from './helpers/site-paths';

const REPO = fileURLToPath(new URL('../../..', import.meta.url));

/** The package READMEs and hand-written pages (generated folders skipped) that tell users how to load a saved model. */
function texts(): Array<{ name: string; text: string }> {
  const pages = listFiles(DOCS_SRC)
    .filter((f) => f.endsWith('.md') && !/^(api|benchmarks|reference|models)\//.test(f))
    .map((f) => ({ name: `apps/docs/docs/${f}`, text: readFileSync(join(DOCS_SRC, f), 'utf8') }));
  const readmes = ['packages/core/README.md', 'packages/vision/README.md'].map((f) => ({
    name: f,
    text: readFileSync(join(REPO, f), 'utf8'),
  }));
  return [...readmes, ...pages];
}

describe('docs: how to load a saved or exported model', () => {
  it('never names tf.loadLayersModel (the @ait packages use tfjs-core, which has no loadLayersModel)', () => {
    const wrong = texts().filter((t) => /\btf\.loadLayersModel\b/.test(t.text));
    expect(wrong.map((t) => t.name)).toEqual([]);
  });

  it('has the core and vision READMEs name the tfjs-layers loader and point to the guide that loads an ait export', () => {
    for (const readme of texts().slice(0, 2)) {
      expect(readme.text, readme.name).toMatch(/`loadLayersModel(\([^)]*\))?` of `@tensorflow\/tfjs-layers`/);
      expect(readme.text, readme.name).toContain('](../../apps/docs/docs/guide/use-a-trained-model.md)');
      expect(readme.text, readme.name).toContain('ait export');
    }
  });
});
