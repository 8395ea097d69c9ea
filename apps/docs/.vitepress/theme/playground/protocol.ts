// The messages between the playground page and its training worker. Everything in them is plain
// data (numbers, strings, typed arrays): no tensor crosses, and large buffers are transferred.
import type { PlaygroundModel, PlaygroundSettings, PresetDefaults } from './setups';

/** A 2-D map for drawing: row-major values `[rows, cols]`. */
export interface HeatMap {
  readonly rows: number;
  readonly cols: number;
  readonly values: Float32Array;
}

/** A test image with what the model says about it. */
export interface SampleView {
  /** Grey or RGB pixels `[size, size, channels]`, 0-255. */
  readonly pixels: Uint8Array;
  readonly size: number;
  readonly channels: number;
  readonly label: number;
  readonly predicted: number;
  /** For Sort-of-CLEVR: the question, in words. */
  readonly question?: string;
  /**
   * Where the model has a write competition (AiT's bottleneck gates, Coordination's workspace
   * writes): the strongest weight of each patch over heads and slots, on the patch grid.
   */
  readonly gates?: HeatMap;
}

/** One internal map of the model, drawn as a heat map with its caption. */
export interface MapPanel {
  /** Stable name, e.g. `priors` (the page's `data-map` attribute). */
  readonly key: string;
  /** What the rows and columns are, for the caption. */
  readonly caption: string;
  readonly map: HeatMap;
}

/** The model on the first test images: predictions, and the internal maps it records. */
export interface MapsView {
  readonly step: number;
  readonly samples: SampleView[];
  readonly labelNames: string[];
  /** What the gate overlay shows, when the samples have gates (e.g. `bottleneck gates`). */
  readonly gatesLabel?: string;
  /** The model's maps (only those it has), in display order. */
  readonly panels: MapPanel[];
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
  | { type: 'import'; file: Blob & { readonly name?: string } };

/** Messages from the worker to the page. */
export type FromWorker =
  | { type: 'presets'; presets: Record<PlaygroundModel, PresetDefaults> }
  | { type: 'ready'; backend: string; parameters: number; trainSize: number; testSize: number; stepsPerEpoch: number }
  | { type: 'steps'; steps: { step: number; loss: number }[]; imagesPerSecond: number }
  | { type: 'eval'; step: number; accuracy: number; loss: number }
  | { type: 'maps'; maps: MapsView }
  | { type: 'paused'; step: number }
  | { type: 'finished'; step: number }
  | { type: 'checkpoint'; what: string; step: number }
  | { type: 'exported'; bytes: ArrayBuffer; name: string }
  /** `stopped`: the run ended with this error (otherwise only the command failed). */
  | { type: 'error'; message: string; stopped?: boolean };
