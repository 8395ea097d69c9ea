import { runtimePlatform } from '../platform/runtime-platform';
import type { TrainingPosition } from './checkpoint-contents';

/** A checkpoint file of a run directory, as named by {@link checkpointFileName}. */
export interface CheckpointFileEntry {
  /** Full path. */
  readonly path: string;
  /** Optimiser steps done when it was written. */
  readonly step: number;
  /** Epoch in progress when it was written (the next epoch for an end-of-epoch checkpoint). */
  readonly epoch: number;
}

const FILE_PATTERN = /^ckpt-s(\d+)-e(\d+)\.ckpt$/;

/**
 * File name of the checkpoint taken at `position`: `ckpt-s<step, 9 digits>-e<epoch, 5 digits>.ckpt`,
 * so that names sort in training order (a checkpoint at the end of an epoch sorts after the
 * step checkpoint of the same step, taken before the epoch's evaluation).
 */
export function checkpointFileName(position: TrainingPosition): string {
  return `ckpt-s${String(position.step).padStart(9, '0')}-e${String(position.epoch).padStart(5, '0')}.ckpt`;
}

/**
 * The checkpoints in `dir` (a directory under Node, a path prefix of IndexedDB in a browser) named by {@link checkpointFileName}, oldest first (by step, then
 * epoch). Other files (temporary files of interrupted writes included) are ignored; a missing
 * directory gives an empty list.
 */
export async function listCheckpoints(dir: string): Promise<CheckpointFileEntry[]> {
  const platform = runtimePlatform();
  const names = await platform.checkpoints.list(dir);
  const entries: CheckpointFileEntry[] = [];
  for (const name of names) {
    const match = FILE_PATTERN.exec(name);
    if (!match) continue;
    entries.push({ path: platform.joinPath(dir, name), step: Number(match[1]), epoch: Number(match[2]) });
  }
  return entries.sort((a, b) => a.step - b.step || a.epoch - b.epoch);
}

/** Path of the newest checkpoint in `dir`, or `undefined` if there is none. */
export async function latestCheckpoint(dir: string): Promise<string | undefined> {
  const all = await listCheckpoints(dir);
  return all[all.length - 1]?.path;
}

/**
 * Deletes all but the newest `keep` checkpoints of `dir` (never those at `protect`, e.g. the
 * checkpoint just written, or the last one to trust while a loss is rising) and returns the
 * deleted paths. Call it only after a successful save.
 */
export async function pruneCheckpoints(dir: string, keep: number, protect?: string | readonly string[]): Promise<string[]> {
  if (!Number.isInteger(keep) || keep < 1) {
    throw new Error(`pruneCheckpoints: keep must be an integer >= 1, got ${String(keep)}.`);
  }
  const all = await listCheckpoints(dir);
  const kept = typeof protect === 'string' ? [protect] : (protect ?? []);
  const doomed = all.slice(0, Math.max(0, all.length - keep)).filter((e) => !kept.includes(e.path));
  const store = runtimePlatform().checkpoints;
  for (const e of doomed) await store.remove(e.path).catch(() => undefined);
  return doomed.map((e) => e.path);
}
