import type * as tf from '@tensorflow/tfjs-core';
import { validateConfig, type z } from '../config/validate-config';
import { layerArgsShape, type AitLayerArgs } from './layer-args-schema';

/** The tfjs layer arguments (`name`, `trainable`, ...), which are not part of a layer's own config. */
type LayerArgKey = keyof typeof layerArgsShape;

/**
 * What a layer's constructor takes: its own options, as its schema declares them (each field's
 * TSDoc is written once, on the schema), plus the tfjs layer arguments.
 */
export type LayerArgsOf<S extends z.ZodType> = Omit<z.input<S>, LayerArgKey> & AitLayerArgs;

/** A layer's own validated options (defaults filled in), without the tfjs layer arguments. */
export type LayerConfigOf<S extends z.ZodType> = Omit<z.output<S>, LayerArgKey>;

const LAYER_ARG_KEYS: ReadonlySet<string> = new Set(Object.keys(layerArgsShape));

/**
 * Validates a layer's constructor arguments against its schema and returns its own config (the
 * tfjs layer arguments removed), for the layer's `config` field, which `AitLayer.getConfig`
 * serialises. Throws a `ConfigError` naming `kind` (and the layer's name) and every bad field.
 */
export function parseLayerConfig<S extends z.ZodType>(kind: string, schema: S, args: AitLayerArgs | undefined): LayerConfigOf<S> {
  const where = args?.name ? `${kind} '${args.name}'` : kind;
  const parsed = validateConfig(where, schema, args ?? {}) as Record<string, unknown>;
  const own: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(parsed)) if (!LAYER_ARG_KEYS.has(key)) own[key] = value;
  return own as LayerConfigOf<S>;
}

/** The JSON form of a config for `getConfig` (absent optional fields left out, objects copied). */
export function configDict(config: object): tf.serialization.ConfigDict {
  return JSON.parse(JSON.stringify(config)) as tf.serialization.ConfigDict;
}
