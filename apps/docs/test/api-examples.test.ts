import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { apiExamples, typeCheckExamples } from './helpers/api-examples';
import { DOCS_SRC } from './helpers/doc-examples';
import { requireBuiltSite } from './helpers/site-paths';

const API_DIR = `${DOCS_SRC}/api`;
const WORK = fileURLToPath(new URL('../.examples/api', import.meta.url));

/** The main entry points: each API page must show an example. */
const ENTRY_POINTS = [
  '@ait/core/functions/initBackend.md',
  '@ait/core/classes/Trainer.md',
  '@ait/vision/functions/createModel.md',
  '@ait/vision/classes/AssociativeTransformer.md',
  '@ait/vision/variables/aitConfigSchema.md',
  '@ait/vision/classes/GlobalWorkspaceLayer.md',
  '@ait/hopfield/classes/Hopfield.md',
  '@ait/hopfield/classes/HopfieldPooling.md',
  '@ait/datasets/functions/loadDataset.md',
];

describe('the examples of the API reference (TSDoc @example)', () => {
  const examples = (() => {
    requireBuiltSite();
    return apiExamples(API_DIR);
  })();

  it('shows an example on the page of every main entry point', () => {
    const pages = new Set(examples.map((e) => e.page));
    expect(ENTRY_POINTS.filter((p) => !pages.has(p))).toEqual([]);
  });

  it('type-checks every example as a complete program against the built packages, and reports one that does not compile', () => {
    expect(examples.length).toBeGreaterThanOrEqual(ENTRY_POINTS.length);
    // one made-up example with a type error proves that the check can fail (one compiler run for all)
    const broken = { page: 'made-up.md', index: 0, code: "import { createModel } from '@ait/vision';\n\ncreateModel(3);\n" };
    const errors = typeCheckExamples([...examples, broken], WORK);
    expect(
      errors.filter((e) => !e.startsWith('made-up.md')),
      errors.slice(0, 20).join('\n'),
    ).toEqual([]);
    expect(errors).toEqual([expect.stringMatching(/^made-up\.md #0 3:13 Argument of type 'number'/)]);
  });
});
