import * as tf from '@tensorflow/tfjs-core';
import { EnergyTransformerBlock } from './energy-transformer-block';
import { ParallelMixerBlock } from './parallel-mixer-block';

/** The energy-descent layers of `@ait/hopfield`, each registered under its `AitHopfield...` class name. */
export const HAM_LAYER_CLASSES = [EnergyTransformerBlock, ParallelMixerBlock] as const;

/** Registers the energy-descent layers with tfjs serialisation (idempotent). */
export function registerHamLayers(): void {
  for (const cls of HAM_LAYER_CLASSES) tf.serialization.registerClass(cls);
}
