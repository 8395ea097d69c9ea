import { describe, expect, it } from 'vitest';
import type { DatasetInfo } from '@ait/datasets';
import { CliError } from '../src/util/cli-error';
import { createPreset, findPreset, fitPresetToData } from '../src/util/model-for-data';

// The fitting rule itself is @ait/vision's (test/registry/fit-preset-to-data.test.ts); the CLI adds
// usage errors (exit code 2) that name what is wrong.
const tinyImages = { name: 'tiny', imageShape: [3, 3, 1], numClasses: 2, extraInputs: [] } as unknown as DatasetInfo;

describe('the CLI around fitPresetToData', () => {
  it("turns the rule's refusal into a usage error", () => {
    const err = (() => {
      try {
        fitPresetToData(findPreset('ait-tiny-conv'), tinyImages);
      } catch (e) {
        return e;
      }
      return undefined;
    })();
    expect(err).toBeInstanceOf(CliError);
    expect((err as CliError).exitCode).toBe(2);
    expect((err as CliError).message).toMatch(/needs images of at least 4 pixels; data set tiny has 3/);
  });

  it('an unknown preset or a config the preset rejects is a usage error naming it', () => {
    expect(() => findPreset('resnet-50')).toThrow(/Unknown model "resnet-50". Choose one of: .*ait-tiny/);
    expect(() => createPreset('vit-tiny', { dim: -1 })).toThrow(CliError);
    expect(() => createPreset('vit-tiny', { dim: -1 })).toThrow(/Model "vit-tiny" rejects its config: [\s\S]*dim/);
  });
});
