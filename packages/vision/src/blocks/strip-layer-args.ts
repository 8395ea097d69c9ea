import { layerArgsShape } from '@ait/core';

/**
 * `args` without tfjs' base layer fields (`name`, `trainable`, `inputShape`, `dtype`, ... and the
 * `customObjects` the deserialiser adds): what is left is a model's own config, which its family
 * schema can parse again.
 */
export function stripLayerArgs(args: object): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(args)) {
    if (!(key in layerArgsShape)) out[key] = value;
  }
  return out;
}
