// Property-based fuzzing of the `--config` file reader (issue 22): random text, random YAML-ish
// documents, random JSON values and mutations of a valid config either give the settings or a
// CliError (exit code 2) naming the file and, for a schema violation, every offending key; never a
// TypeError, a RangeError, a hang or an out-of-memory (alias bombs included).
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CliError, trainConfigFileSchema } from '../src/index';
import { readConfigFile } from '../src/util/config-file';
import { removeDir, tempDir } from './helpers';

let dir: string;
let counter = 0;

beforeAll(async () => {
  dir = await tempDir('ait-config-fuzz-');
});
afterAll(async () => removeDir(dir));

const VALID: Record<string, unknown> = {
  model: 'ait-tiny',
  dataset: 'triangle',
  trainSize: 64,
  testSize: 16,
  batchSize: 16,
  epochs: 2,
  lr: 0.001,
  augment: ['crop', 'flip'],
  cropPadding: 4,
  backend: 'cpu',
  checkpointEvery: 1,
  modelConfig: { dim: 32, depth: 1, numHeads: 2 },
};
const KEYS = Object.keys(trainConfigFileSchema.shape);

/**
 * Reads `text` as a config file named `*.ext` and checks the contract; returns the settings, or the
 * CliError's message.
 */
async function outcome(
  text: string,
  ext: '.json' | '.yaml' | '.yml',
): Promise<{ ok: true; value: unknown } | { ok: false; message: string }> {
  const path = join(dir, `config-${counter++}${ext}`);
  await writeFile(path, text, 'utf8');
  try {
    const value = await readConfigFile(path, trainConfigFileSchema);
    expect(typeof value).toBe('object');
    return { ok: true, value };
  } catch (err) {
    if (!(err instanceof CliError)) throw err;
    expect(err.exitCode).toBe(2);
    expect(err.message).toContain(`Config file ${path} is`);
    if (err.message.includes(' is invalid: ')) {
      // every problem is "key "<path>": <what it must be>"
      const problems = err.message.slice(err.message.indexOf(' is invalid: ') + 13).split('; key ');
      for (const p of problems) expect(p).toMatch(/^(key )?"[^"]*": \S/);
    }
    return { ok: false, message: err.message };
  }
}

/** A value for a config key, of every type and some that break parsers. */
const anyValue = fc.oneof(
  fc.integer(),
  fc.double({ noNaN: true, noDefaultInfinity: true }),
  fc.constantFrom(0, -1, 1e308, 2 ** 53, 0.5, null, true, '', 'cpu', 'crop,flip', '__proto__', 'constructor'),
  fc.string({ maxLength: 10 }),
  fc.array(fc.oneof(fc.constantFrom('crop', 'flip', 'none', 'mixup'), fc.integer()), { maxLength: 3 }),
  fc.dictionary(fc.string({ maxLength: 6 }), fc.oneof(fc.integer(), fc.string({ maxLength: 4 })), { maxKeys: 3 }),
);

/** Fragments of YAML syntax, joined at random: anchors, aliases, tags, flow collections, block scalars. */
const yamlToken = fc.oneof(
  fc.constantFrom(
    'epochs: ',
    'modelConfig:',
    '  dim: ',
    '- ',
    '? ',
    ': ',
    '&a ',
    '*a',
    '*b',
    '<<: *a',
    '!!binary ',
    '!!js/function ',
    '!!set ',
    '!!map ',
    '!!timestamp ',
    '!<tag:yaml.org,2002:str> ',
    '[',
    ']',
    '{',
    '}',
    ',',
    '|',
    '>-',
    '"',
    "'",
    '#',
    '---',
    '...',
    '%YAML 1.2',
    '\n',
    '\n  ',
    '\t',
    '__proto__: ',
    'constructor: ',
  ),
  fc.string({ maxLength: 6 }),
  fc.integer().map(String),
);

describe('config file reader under fuzzing', () => {
  it('the valid config reads back in JSON and YAML (the mutations below start from it)', async () => {
    expect(await outcome(JSON.stringify(VALID), '.json')).toEqual({ ok: true, value: VALID });
    const yaml = Object.entries(VALID)
      .map(([k, v]) => `${k}: ${JSON.stringify(v)}`)
      .join('\n');
    expect(await outcome(yaml, '.yaml')).toEqual({ ok: true, value: VALID });
  });

  it('any key set to any value: the settings or an error that names that key', async () => {
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...KEYS, 'learningRate', 'modelConfig.dim'), anyValue, fc.boolean(), async (key, value, json) => {
        const config: Record<string, unknown> = structuredClone(VALID);
        if (key === 'modelConfig.dim') (config.modelConfig as Record<string, unknown>).dim = value;
        else config[key] = value;
        const text = json
          ? JSON.stringify(config)
          : Object.entries(config)
              .map(([k, v]) => `${JSON.stringify(k)}: ${JSON.stringify(v)}`)
              .join('\n');
        const r = await outcome(text, json ? '.json' : '.yml');
        if (!r.ok) {
          // the key at fault is named: the key itself, or the top level for a key the schema does not know
          const named = KEYS.includes(key) ? `key "${key}` : `key "(top level)": Unrecognized key: "${key}"`;
          expect(r.message).toContain(named);
        }
      }),
      { seed: 2201, numRuns: 250 },
    );
  });

  it('random text, random JSON and random YAML-ish documents: the settings or a named CliError', async () => {
    const document = fc.oneof(
      fc.record({ ext: fc.constant('.yaml' as const), text: fc.array(yamlToken, { maxLength: 30 }).map((t) => t.join('')) }),
      fc.record({
        ext: fc.constantFrom('.json' as const, '.yaml' as const),
        text: fc.jsonValue({ maxDepth: 4 }).map((v) => JSON.stringify(v)),
      }),
      fc.record({ ext: fc.constantFrom('.json' as const, '.yaml' as const), text: fc.string({ unit: 'binary', maxLength: 80 }) }),
      fc.record({
        // the valid config cut, or with a byte replaced
        ext: fc.constantFrom('.json' as const, '.yaml' as const),
        text: fc.tuple(fc.nat(400), fc.string({ maxLength: 2 }), fc.boolean()).map(([at, s, cut]) => {
          const t = JSON.stringify(VALID);
          const i = at % t.length;
          return cut ? t.slice(0, i) : t.slice(0, i) + s + t.slice(i + 1);
        }),
      }),
    );
    await fc.assert(
      fc.asyncProperty(document, async (d) => {
        await outcome(d.text, d.ext);
      }),
      { seed: 2202, numRuns: 300 },
    );
  });

  it('an unknown YAML tag is a CliError, not a process warning', async () => {
    const warnings: Error[] = [];
    const onWarning = (w: Error): void => void warnings.push(w);
    process.on('warning', onWarning);
    try {
      for (const tag of ['!!js/function', '!!python/object', '!!set', '!local']) {
        const r = await outcome(`epochs: ${tag} 3\n`, '.yaml');
        expect(r).toMatchObject({ ok: false, message: expect.stringMatching(/is not valid YAML: Unresolved tag/) });
      }
      // a tag the yaml package knows gives its value, which the schema then judges
      expect(await outcome('epochs: !!binary 3\n', '.yaml')).toMatchObject({
        ok: false,
        message: expect.stringContaining('key "epochs": must be a number'),
      });
      await new Promise((resolve) => setTimeout(resolve, 10));
    } finally {
      process.off('warning', onWarning);
    }
    expect(warnings.map((w) => w.message)).toEqual([]);
  });

  it('an alias bomb (billion laughs) and a deep nesting fail fast with a CliError', async () => {
    const levels = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]'];
    for (let i = 1; i < 10; i++) {
      const prev = String.fromCharCode(96 + i);
      const name = String.fromCharCode(97 + i);
      levels.push(`${name}: &${name} [${Array(9).fill(`*${prev}`).join(',')}]`);
    }
    const start = performance.now();
    const bomb = await outcome(`modelConfig:\n${levels.map((l) => `  ${l}`).join('\n')}\n`, '.yaml');
    expect(bomb).toMatchObject({ ok: false, message: expect.stringMatching(/is not valid YAML/) });
    const deep = await outcome(`${'['.repeat(50_000)}${']'.repeat(50_000)}`, '.json');
    expect(deep).toMatchObject({ ok: false, message: expect.stringMatching(/is invalid: key "\(top level\)"/) });
    const deepYaml = await outcome(`modelConfig: ${'['.repeat(5_000)}${']'.repeat(5_000)}`, '.yaml');
    expect(deepYaml.ok).toBe(false);
    expect(performance.now() - start).toBeLessThan(10_000);
  });
});
