// Property-based fuzzing of the Node file handler's model.json reader (issue 22): a saved model's
// model.json with its fields replaced by values of any type, cut, or replaced by random JSON loads
// or throws a ModelFileError, never a TypeError; and a manifest cannot make it read a file outside
// the model's folder.
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { sequential } from '@tensorflow/tfjs-layers';
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { Dense, fileSystemHandler, ModelFileError } from '../../src/index';
import { useBackend, useTempDir } from '../../testing/index';

useBackend('cpu');
const dir = useTempDir('ait-model-json-fuzz-');
let valid: Record<string, unknown>;
let weights: Buffer;
let counter = 0;

beforeAll(async () => {
  const model = sequential({ layers: [new Dense({ units: 3, inputShape: [4] })] });
  await model.save(fileSystemHandler(join(dir(), 'valid')));
  model.dispose();
  valid = JSON.parse(await readFile(join(dir(), 'valid', 'model.json'), 'utf8')) as Record<string, unknown>;
  weights = await readFile(join(dir(), 'valid', 'weights.bin'));
});

/** Writes `text` as model.json beside the valid weights and loads it; returns 'loaded' or the error. */
async function load(text: string): Promise<'loaded' | ModelFileError> {
  const folder = join(dir(), `case-${counter++}`);
  await mkdir(folder, { recursive: true });
  await writeFile(join(folder, 'model.json'), text, 'utf8');
  await writeFile(join(folder, 'weights.bin'), weights);
  try {
    await fileSystemHandler(folder).load?.();
    return 'loaded';
  } catch (err) {
    if (!(err instanceof ModelFileError)) throw err;
    expect(err.message).toContain(folder);
    return err;
  }
}

const anyValue = fc.oneof(
  fc.jsonValue({ maxDepth: 2 }),
  fc.constantFrom(null, 5, [], [null], [{}], [{ paths: 'weights.bin', weights: [] }], [{ paths: [3], weights: [] }], { paths: [] }),
);

describe('model.json reader under fuzzing', () => {
  it('the saved model.json loads (the mutations below start from it)', async () => {
    expect(await load(JSON.stringify(valid))).toBe('loaded');
  });

  it('any top-level or manifest field set to any value, cut files and random JSON: loaded or a ModelFileError', async () => {
    const edit = fc.oneof(
      fc.record({ kind: fc.constant('top' as const), key: fc.constantFrom('modelTopology', 'weightsManifest', 'format'), value: anyValue }),
      fc.record({
        kind: fc.constant('group' as const),
        key: fc.constantFrom('paths', 'weights'),
        value: anyValue,
      }),
      fc.record({ kind: fc.constant('cut' as const), at: fc.nat(400) }),
      fc.record({ kind: fc.constant('json' as const), value: fc.jsonValue({ maxDepth: 3 }) }),
    );
    await fc.assert(
      fc.asyncProperty(edit, async (e) => {
        const json = structuredClone(valid);
        let text: string;
        if (e.kind === 'top') json[e.key] = e.value;
        else if (e.kind === 'group') ((json.weightsManifest as Record<string, unknown>[])[0] as Record<string, unknown>)[e.key] = e.value;
        if (e.kind === 'cut') text = JSON.stringify(valid).slice(0, e.at);
        else if (e.kind === 'json') text = JSON.stringify(e.value);
        else text = JSON.stringify(json);
        await load(text);
      }),
      { seed: 2205, numRuns: 200 },
    );
  });

  it('refuses a manifest that names a file outside the model folder, before reading it', async () => {
    const secret = join(dir(), 'secret.bin');
    await writeFile(secret, Buffer.from('not a weight'));
    for (const path of ['../secret.bin', secret, '../../../../../etc/hostname']) {
      const json = structuredClone(valid);
      ((json.weightsManifest as Record<string, unknown>[])[0] as Record<string, unknown>).paths = [path];
      const outcome = await load(JSON.stringify(json));
      expect(outcome).toBeInstanceOf(ModelFileError);
      expect((outcome as ModelFileError).message).toContain('not inside the folder of model.json');
    }
  });
});
