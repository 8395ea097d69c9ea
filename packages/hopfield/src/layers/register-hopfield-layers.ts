import * as tf from '@tensorflow/tfjs-core';
import { Hopfield } from './hopfield';
import { HopfieldLayer } from './hopfield-layer';
import { HopfieldPooling } from './hopfield-pooling';

/** The association layers of `@ait/hopfield`, each registered under its `AitHopfield...` class name. */
export const HOPFIELD_LAYER_CLASSES = [Hopfield, HopfieldPooling, HopfieldLayer] as const;

/**
 * Registers the Hopfield layers with tfjs serialisation (idempotent). Each module registers its
 * class when loaded; call this before `loadLayersModel` if a bundler may have dropped them.
 */
export function registerHopfieldLayers(): void {
  for (const cls of HOPFIELD_LAYER_CLASSES) tf.serialization.registerClass(cls);
}
