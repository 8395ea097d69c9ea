// Property-based fuzzing of createModel's config validation (issue 22): every preset of the registry
// with one of its config keys (or an unknown one) set to a value of any type, size or sign either
// gives an unbuilt model or a ConfigError whose message names that key; never a TypeError, a
// RangeError or another unnamed error, and never a tensor allocated before the model is built.
import * as tf from '@tensorflow/tfjs-core';
import { ConfigError } from '@ait/core';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createModel, listModels } from '../../src/index';
import { useBackend } from '../helpers/backend';

useBackend('cpu');

const presets = listModels();

/** Every key path of a preset's defaults, nested objects included (`ablation.noMemory`). */
function keyPaths(value: Readonly<Record<string, unknown>>, prefix = ''): string[] {
  const out: string[] = [];
  for (const [k, v] of Object.entries(value)) {
    out.push(`${prefix}${k}`);
    if (v !== null && typeof v === 'object' && !Array.isArray(v)) out.push(...keyPaths(v as Record<string, unknown>, `${prefix}${k}.`));
  }
  return out;
}

/** `config` with the value at `path` (dot-separated) replaced, intermediate objects created. */
function withValue(config: Record<string, unknown>, path: string, value: unknown): Record<string, unknown> {
  const copy = structuredClone(config);
  const parts = path.split('.');
  let at: Record<string, unknown> = copy;
  for (const p of parts.slice(0, -1)) {
    const next = at[p];
    at[p] = next !== null && typeof next === 'object' && !Array.isArray(next) ? next : {};
    at = at[p] as Record<string, unknown>;
  }
  at[parts[parts.length - 1] as string] = value;
  return copy;
}

/**
 * Keys that count layers: a model makes its (unbuilt) layers when it is created, so a depth of
 * 2^31 would take minutes and the whole heap before any validation could object. The schemas set
 * no upper bound on them today, so the fuzzing keeps their numbers small (their types, signs and
 * fractions are still fuzzed).
 */
const LAYER_COUNT = /^(depth|layers|latentLayers|encoderLayers|decoderLayers)$/;

const nastyValue = fc.oneof(
  fc.integer({ min: -4, max: 4096 }),
  fc.constantFrom(0, -1, 0.5, 1.5, 2 ** 31, 2 ** 53, 1e308, -1e308, Number.MAX_VALUE, Number.NaN, Infinity),
  fc.double(),
  fc.constantFrom(null, undefined, true, false, '', 'mean', 'cls', 'ema', '__proto__', '1e3'),
  fc.string({ maxLength: 6 }),
  fc.array(fc.integer({ min: -2, max: 64 }), { maxLength: 4 }),
  fc.dictionary(fc.string({ maxLength: 5 }), fc.oneof(fc.integer(), fc.boolean()), { maxKeys: 2 }),
);

describe('createModel under fuzzed configs', () => {
  it('covers every preset of the registry', () => {
    expect(presets.length).toBeGreaterThan(10);
  });

  it('one key of a preset set to any value: an unbuilt model or a ConfigError naming the key, no tensor made', () => {
    const cases = fc.constantFrom(...presets).chain((preset) =>
      fc.record({
        preset: fc.constant(preset),
        key: fc.oneof({ weight: 4, arbitrary: fc.constantFrom(...keyPaths(preset.defaults)) }, fc.constantFrom('notAnOption', 'dim.x')),
        value: nastyValue,
      }),
    );
    const outcomes = { built: 0, refused: 0 };
    fc.assert(
      fc.property(cases, ({ preset, key, value: drawn }) => {
        let value = drawn;
        const leaf = key.split('.').at(-1) as string;
        if (LAYER_COUNT.test(leaf) && typeof value === 'number' && Math.abs(value) > 64) value = 64;
        const overrides = withValue({}, key, value);
        // nested keys replace their whole object in createModel's shallow merge: start from the defaults
        const top = key.split('.')[0] as string;
        const base = preset.defaults[top];
        if (key.includes('.') && base !== null && typeof base === 'object') {
          overrides[top] = withValue({ [top]: base } as Record<string, unknown>, key, value)[top];
        }
        const before = tf.memory().numTensors;
        try {
          const model = createModel(preset.name, overrides);
          expect(model.built).toBe(false);
          outcomes.built++;
        } catch (err) {
          if (!(err instanceof ConfigError)) throw err;
          expect(err.message).toContain(`model "${preset.name}"`);
          // the key at fault (as code, or in words: "the patch size 4 does not divide the image size
          // 1"), its top-level object for a nested key the schema does not know, or for a rule between
          // keys the other key of the rule ("convHeads: the mixer width 1 must be divisible by ...")
          const words = leaf.replace(/[A-Z]/g, (c) => ` ${c.toLowerCase()}`);
          const names = (issue: string): boolean => issue.includes(leaf) || issue.includes(words) || issue.includes(top);
          const otherKey = (issue: string): boolean => (issue.split(':')[0]?.split('.')[0] ?? '') in preset.defaults;
          expect(
            err.issues.some((issue) => names(issue) || otherKey(issue)),
            err.message,
          ).toBe(true);
          outcomes.refused++;
        }
        expect(tf.memory().numTensors).toBe(before);
      }),
      { seed: 2203, numRuns: 600 },
    );
    expect(outcomes.built).toBeGreaterThan(0);
    expect(outcomes.refused).toBeGreaterThan(0);
  });

  it('a random object as the whole override set: an unbuilt model or a ConfigError, never another error', () => {
    const cases = fc.record({
      preset: fc.constantFrom(...presets.map((p) => p.name)),
      overrides: fc.dictionary(
        fc.oneof(fc.string({ maxLength: 8 }), fc.constantFrom(...new Set(presets.flatMap((p) => Object.keys(p.defaults))))),
        nastyValue,
        {
          maxKeys: 4,
        },
      ),
    });
    fc.assert(
      fc.property(cases, ({ preset, overrides }) => {
        for (const [k, v] of Object.entries(overrides))
          if (LAYER_COUNT.test(k) && typeof v === 'number' && Math.abs(v) > 64) overrides[k] = 64;
        try {
          createModel(preset, overrides);
        } catch (err) {
          if (!(err instanceof ConfigError)) throw err;
          expect(err.issues.length).toBeGreaterThan(0);
        }
      }),
      { seed: 2204, numRuns: 300 },
    );
  });
});
