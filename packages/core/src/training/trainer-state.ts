import type { layers } from '@tensorflow/tfjs-layers';
import { captureCheckpoint } from '../checkpoint/capture-checkpoint';
import { disposeCheckpoint, type TrainingPosition } from '../checkpoint/checkpoint-contents';
import { saveCheckpoint } from '../checkpoint/save-checkpoint';
import { globalRng, type RandomState, type SeededRandom } from '../random/seeded-random';
import type { AdamW } from './adamw';
import { storedBestRecord } from './best-checkpoint';
import type { EpochLogs } from './callbacks';
import type { EpochStats } from './epoch-stats';
import type { LossWatch } from './loss-watch';
import type { StepMetrics } from './train-step';
import type { BestCheckpointRecord } from './trainer-options';

/** Everything of a `Trainer`'s run that its checkpoints hold (internal to the trainer). */
export interface TrainerState {
  readonly model: layers.Layer;
  readonly optimizer: AdamW;
  /** The data-order stream, and its state at the start of the epoch in progress. */
  readonly data: SeededRandom;
  readonly epochStartData: RandomState;
  readonly position: TrainingPosition;
  readonly config: unknown;
  /** The running sums of the epoch in progress. */
  readonly stats: EpochStats;
  readonly watch: LossWatch | undefined;
  readonly best: BestCheckpointRecord | undefined;
  /** The metrics of the last step and epoch, so that a resumed run reports what an uninterrupted one would. */
  readonly lastStep: StepMetrics | undefined;
  readonly lastEpoch: EpochLogs | undefined;
}

/**
 * Writes a trainer's complete state atomically to `target`: the weights (state buffers included),
 * the AdamW moments and step count, the global and data random streams, the position, the epoch's
 * running sums, the loss watch, the best epoch's record, `config` and the last metrics.
 */
export async function writeTrainerState(target: string, s: TrainerState): Promise<void> {
  const contents = captureCheckpoint({
    model: s.model,
    optimizer: s.optimizer,
    rngs: { global: globalRng(), data: s.data, dataEpochStart: s.epochStartData },
    position: s.position,
    config: s.config,
    metadata: {
      trainer: {
        epochStats: { ...s.stats },
        ...(s.watch ? { lossWatch: s.watch.getState() } : {}),
        ...storedBestRecord(s.best),
      },
      ...(s.lastStep ? { lastStep: s.lastStep } : {}),
      ...(s.lastEpoch ? { lastEpoch: s.lastEpoch } : {}),
    },
  });
  try {
    await saveCheckpoint(target, contents);
  } finally {
    disposeCheckpoint(contents);
  }
}
