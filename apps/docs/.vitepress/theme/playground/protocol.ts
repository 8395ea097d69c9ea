import type { PlaygroundSettings } from './setups';

/** A 2-D map for drawing: row-major values `[rows, cols]`. */
export interface HeatMap {
  readonly rows: number;
  readonly cols: number;
  readonly values: Float32Array;
}

/** Sample images of the test set with what the model says about them. */
export interface SampleView {
  /** Grey or RGB pixels `[size, size, channels]`, 0-255. */
  readonly pixels: Uint8Array;
  readonly size: number;
  readonly channels: number;
  readonly label: number;
  readonly predicted: number;
  /** For Sort-of-CLEVR: the question, in words. */
  readonly question?: string;
  /** AiT: the strongest bottleneck gate of each token (over heads and priors), on the token grid. */
  readonly gates?: HeatMap;
}

/** The internal maps of the model on the sample batch, where it has them. */
export interface MapsView {
  readonly step: number;
  readonly samples: SampleView[];
  readonly labelNames: string[];
  /** AiT: the priors (explicit memory) `[slots, memoryDim]` of the first block. */
  readonly priors?: HeatMap;
  /** AiT: Hopfield associations of the first sample's tokens with the priors `[tokens, slots]`. */
  readonly hopfield?: HeatMap;
  /** Self-attention of the first sample, averaged over heads `[tokens, tokens]`. */
  readonly attention?: HeatMap;
}

/** Messages from the page to the worker. */
export type ToWorker =
  | { type: 'start'; settings: PlaygroundSettings; wasmPaths: string }
  | { type: 'pause' }
  | { type: 'resume' }
  | { type: 'learning-rate'; value: number }
  | { type: 'save-indexeddb' }
  | { type: 'load-indexeddb' }
  | { type: 'export' }
  | { type: 'import'; name: string; bytes: ArrayBuffer };

/** Messages from the worker to the page. */
export type FromWorker =
  | { type: 'ready'; backend: string; parameters: number; trainSize: number; testSize: number }
  | { type: 'steps'; steps: { step: number; loss: number }[]; imagesPerSecond: number }
  | { type: 'eval'; step: number; accuracy: number; loss: number }
  | { type: 'maps'; maps: MapsView }
  | { type: 'paused'; step: number }
  | { type: 'finished'; step: number }
  | { type: 'checkpoint'; what: string }
  | { type: 'exported'; bytes: ArrayBuffer; name: string }
  | { type: 'error'; message: string };
