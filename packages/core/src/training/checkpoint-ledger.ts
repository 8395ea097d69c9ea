import type { TrainingPosition } from '../checkpoint/checkpoint-contents';
import { listCheckpoints, type CheckpointFileEntry } from '../checkpoint/checkpoint-directory';

/**
 * The checkpoints a trainer wrote or resumed from (paths outside its checkpoint directory
 * included) and the newest of them, for `lastCheckpoint`, device-failure messages and the choice
 * of the checkpoint to trust after a diverging loss.
 */
export class CheckpointLedger {
  private entries: CheckpointFileEntry[] = [];
  private newest: { readonly path: string; readonly position: TrainingPosition } | undefined;

  /** The checkpoint noted last, with its position. */
  get last(): { readonly path: string; readonly position: TrainingPosition } | undefined {
    return this.newest;
  }

  /** Notes a checkpoint written (or resumed from) at `position`. */
  note(path: string, position: TrainingPosition): void {
    this.newest = { path, position: { ...position } };
    this.entries = [...this.entries.filter((c) => c.path !== path), { path, step: position.step, epoch: position.epoch }];
  }

  /** Forgets checkpoints that were deleted (pruned). */
  forget(paths: readonly string[]): void {
    this.entries = this.entries.filter((c) => !paths.includes(c.path));
  }

  /** Whether the checkpoint noted last was taken exactly at `position`. */
  isAt(position: TrainingPosition): boolean {
    const p = this.newest?.position;
    return p !== undefined && p.epoch === position.epoch && p.step === position.step && p.stepInEpoch === position.stepInEpoch;
  }

  /**
   * The newest checkpoint written at or before step `bound`, among those noted and those of `dir`
   * (named by `checkpointFileName`); `undefined` when there is none.
   */
  async newestAtOrBefore(bound: number, dir: string | undefined): Promise<string | undefined> {
    const candidates = [...this.entries];
    if (dir !== undefined) {
      for (const e of await listCheckpoints(dir)) if (!candidates.some((c) => c.path === e.path)) candidates.push(e);
    }
    const good = candidates.filter((c) => c.step <= bound).sort((a, b) => a.step - b.step || a.epoch - b.epoch);
    return good[good.length - 1]?.path;
  }
}
