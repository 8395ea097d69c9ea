import type { Options } from 'tsup';
import { packageBuildConfig } from '../../tsup.shared.mjs';
import { weightModuleImports, writeWeightModules } from './scripts/pretrained-weight-modules';

// The shared package build, plus the pretrained models' weights: each becomes dist/pretrained/<name>.cjs
// (checked against pretrained/manifest.json), imported on demand (see scripts/pretrained-weight-modules.ts).
const withWeights = (options: Options): Options => ({
  ...options,
  esbuildPlugins: [...(options.esbuildPlugins ?? []), weightModuleImports()],
  onSuccess: async () => {
    await writeWeightModules('pretrained', 'dist/pretrained');
  },
});

const shared = packageBuildConfig();
export default Array.isArray(shared) ? shared.map(withWeights) : withWeights(shared);
