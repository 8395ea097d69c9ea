/** File name of the manifest in a written synthetic set's folder. */
export const MANIFEST_FILE = 'manifest.json';
/** Value of the manifest's `format` field. */
export const SYNTHETIC_FORMAT = 'ait-datasets/synthetic';

/**
 * The manifest (`manifest.json`) of a synthetic set written to disk: what was generated and which
 * IDX files hold it. It is written last, so a folder without it holds an incomplete set.
 */
export interface SyntheticManifest {
  readonly format: typeof SYNTHETIC_FORMAT;
  readonly version: 1;
  readonly task: 'triangle' | 'sort-of-clevr';
  readonly split: 'train' | 'test';
  readonly seed: number | string;
  /** Number of records (Triangle: examples; Sort-of-CLEVR: images). */
  readonly count: number;
  /** Sort-of-CLEVR only: questions of each family per image. */
  readonly questionsPerType?: number;
  readonly labelNames: readonly string[];
  /** IDX file names in the folder, by role (e.g. `images`, `labels`). */
  readonly files: Readonly<Record<string, string>>;
}
