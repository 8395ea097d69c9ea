import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import {
  captureCheckpoint,
  decodeCheckpoint,
  Dense,
  disposeCheckpoint,
  downloadCheckpoint,
  encodeCheckpoint,
  initBackend,
  loadCheckpoint,
  readCheckpointFile,
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
  const indexedDbRoundTrip =
    Object.keys(mine).length > 0 && Object.entries(mine).every(([name, v]) => JSON.stringify(back[name]) === JSON.stringify(v));
  disposeCheckpoint(loaded);
  const bytes = await encodeCheckpoint(contents);
  disposeCheckpoint(contents);
  let binary = '';
  for (const b of bytes) binary += String.fromCharCode(b);
  tf.disposeVariables();
  return { fromNode, pageBytes: btoa(binary), indexedDbRoundTrip, indexedDbPath };
}

/** What the page reports about the download / file-picker pair. */
export interface CheckpointFiles {
  /** Bytes offered as the download `page-download.ckpt`. */
  readonly offeredBytes: number;
  /** The message of reading a picked file that is not a checkpoint. */
  readonly corruptMessage: string;
  /** The step of the offered checkpoint, read back through `readCheckpointFile` from a File. */
  readonly readBackStep: number;
}

/**
 * In a page: offers a checkpoint of the seed-3 model as a download (`downloadCheckpoint`), reads
 * the same bytes back as a picked `File` (`readCheckpointFile`), and reads a corrupt one.
 */
export async function checkpointFiles(): Promise<CheckpointFiles> {
  await initBackend({ backend: 'cpu' });
  const contents = captureCheckpoint({ model: checkpointModel(3), position: { epoch: 2, step: 9, stepInEpoch: 1 } });
  const offeredBytes = await downloadCheckpoint(contents, 'page-download.ckpt');
  const bytes = await encodeCheckpoint(contents);
  disposeCheckpoint(contents);
  const back = await readCheckpointFile(new File([new Uint8Array(bytes)], 'page-download.ckpt'));
  const readBackStep = back.position.step;
  disposeCheckpoint(back);
  const corruptMessage = await readCheckpointFile(new File([new Uint8Array([1, 2, 3, 4, 5])], 'picked.ckpt')).then(
    () => 'no error',
    (err: unknown) => (err as Error).message,
  );
  return { offeredBytes, corruptMessage, readBackStep };
}
