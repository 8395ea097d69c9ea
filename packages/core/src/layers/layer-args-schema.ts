import type { layers } from '@tensorflow/tfjs-layers';
import { z } from '../config/validate-config';

/** Constructor arguments shared by every AiT.js layer (the tfjs `LayerArgs`). */
export type AitLayerArgs = NonNullable<ConstructorParameters<typeof layers.Layer>[0]>;

/**
 * The zod shape of tfjs' base `LayerArgs` (`name`, `trainable`, `inputShape`, ...), to spread into
 * a layer's strict config schema so that `getConfig()` output validates and misspelt options do
 * not pass silently. The base fields themselves are checked by tfjs.
 */
export const layerArgsShape = {
  name: z.string().nullish(),
  trainable: z.boolean().nullish(),
  inputShape: z.unknown().optional(),
  batchInputShape: z.unknown().optional(),
  batchSize: z.unknown().optional(),
  dtype: z.unknown().optional(),
  weights: z.unknown().optional(),
  inputDType: z.unknown().optional(),
  /** Added by tfjs' deserialiser when a model is loaded. */
  customObjects: z.unknown().optional(),
};

/** A probability in [0, 1) for dropout-style rates. */
export const rateSchema = z.number().min(0).lt(1);

/** The name a layer uses in error messages: `Dense 'dense_1'`. */
export function layerLabel(kind: string, args: { name?: string | null } | undefined): string {
  return args?.name ? `${kind} '${args.name}'` : kind;
}
