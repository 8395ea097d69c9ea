// Written by scripts/publish-pretrained.ts from pretrained/manifest.json: edit through that script.
// Each loader imports a weight module that the build of @ait/vision writes to dist/pretrained/ (the
// build turns `@ait/vision/pretrained/<name>` into `./pretrained/<name>.cjs`): a separate chunk that
// bundlers load only when the model is asked for.

/** The weight module of every shipped pretrained model, by name, imported on demand. */
export const SHIPPED_WEIGHT_MODULES: Readonly<Record<string, () => Promise<unknown>>> = {
  'ait-tiny-conv-fashion-mnist': () => import('@ait/vision/pretrained/ait-tiny-conv-fashion-mnist'),
  'ait-tiny-conv-mnist': () => import('@ait/vision/pretrained/ait-tiny-conv-mnist'),
  'ait-tiny-conv-sort-of-clevr': () => import('@ait/vision/pretrained/ait-tiny-conv-sort-of-clevr'),
  'ait-tiny-conv-triangle': () => import('@ait/vision/pretrained/ait-tiny-conv-triangle'),
};
