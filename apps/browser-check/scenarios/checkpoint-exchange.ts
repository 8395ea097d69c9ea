import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import {
  captureCheckpoint,
  decodeCheckpoint,
  Dense,
  disposeCheckpoint,
  encodeCheckpoint,
  initBackend,
  loadCheckpoint,
  saveCheckpoint,
  setGlobalSeed,
  type LoadedCheckpoint,
} from '@ait/core';
import { HopfieldPooling } from '@ait/hopfield';

/** A small seeded model (a Hopfield pooling layer and a dense head) whose checkpoints travel. */
export function checkpointModel(seed: number): tfl.LayersModel {
  setGlobalSeed(seed);
  const model = tfl.sequential({
    layers: [new HopfieldPooling({ inputShape: [6, 8], numHeads: 2, scaling: 0.5 }), new Dense({ units: 3 })],
  });
  model.build([null, 6, 8]);
  return model;
}

/** Every weight of a checkpoint as plain numbers, by name. */
export function checkpointWeights(loaded: LoadedCheckpoint): Record<string, number[]> {
  return Object.fromEntries(Object.entries(loaded.weights).map(([name, t]) => [name, Array.from(t.dataSync())]));
}

/** What the page reports about checkpoints. */
export interface CheckpointExchange {
  /** The weights of the checkpoint Node wrote (read from its bytes in the page). */
  readonly fromNode: Record<string, number[]>;
  /** A checkpoint the page wrote, base64. */
  readonly pageBytes: string;
  /** The page's own weights, saved to IndexedDB and loaded back. */
  readonly indexedDbRoundTrip: boolean;
  /** Where the page's checkpoint lives in IndexedDB. */
  readonly indexedDbPath: string;
}

/**
 * In a page: decodes the checkpoint bytes Node wrote, builds the same model with seed 2, saves
 * it to IndexedDB and loads it back (checking every weight), and returns its bytes for Node.
 */
export async function exchangeCheckpoints(nodeBytes: Uint8Array): Promise<CheckpointExchange> {
  await initBackend({ backend: 'cpu' });
  const fromNodeCheckpoint = decodeCheckpoint(nodeBytes, 'node.ckpt');
  const fromNode = checkpointWeights(fromNodeCheckpoint);
  disposeCheckpoint(fromNodeCheckpoint);
  const model = checkpointModel(2);
  const contents = captureCheckpoint({ model, position: { epoch: 1, step: 5, stepInEpoch: 0 }, config: { from: 'page' } });
  const indexedDbPath = 'browser-check/page.ckpt';
  await saveCheckpoint(indexedDbPath, contents);
  const loaded = await loadCheckpoint(indexedDbPath);
  const mine = Object.fromEntries(model.weights.map((w) => [w.name, Array.from(w.read().dataSync())]));
  const back = checkpointWeights(loaded);
  const indexedDbRoundTrip = Object.keys(mine).length > 0 && Object.entries(mine).every(([name, v]) => JSON.stringify(back[name]) === JSON.stringify(v));
  disposeCheckpoint(loaded);
  const bytes = await encodeCheckpoint(contents);
  disposeCheckpoint(contents);
  let binary = '';
  for (const b of bytes) binary += String.fromCharCode(b);
  tf.disposeVariables();
  return { fromNode, pageBytes: btoa(binary), indexedDbRoundTrip, indexedDbPath };
}
