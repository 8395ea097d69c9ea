import { SeededRandom } from '@ait/core';
import { type Dataset, type Sample } from './dataset';

/**
 * Every sample of a data set once, in its natural order, whatever its access kind: `get` or
 * `read` for indices `0 .. size-1`, or one pass of `stream(rng)` (default rng seed 0).
 */
export async function* datasetSamples<E>(dataset: Dataset<E>, rng?: SeededRandom): AsyncGenerator<Sample<E>> {
  switch (dataset.access) {
    case 'random':
      for (let i = 0; i < dataset.size; i++) yield dataset.get(i);
      return;
    case 'async-random': {
      const ahead = 16;
      const pending: Promise<Sample<E>>[] = [];
      const start = (index: number): void => {
        const p = dataset.read(index);
        p.catch(() => undefined); // surfaced when awaited; no unhandled rejection if the caller stops early
        pending.push(p);
      };
      for (let i = 0; i < Math.min(ahead, dataset.size); i++) start(i);
      for (let i = 0; i < dataset.size; i++) {
        const next = pending.shift() as Promise<Sample<E>>;
        if (i + ahead < dataset.size) start(i + ahead);
        yield await next;
      }
      return;
    }
    case 'stream':
      yield* dataset.stream(rng ?? new SeededRandom(0));
      return;
  }
}

/** The first `count` samples of a data set (all of them when it has fewer), in natural order. */
export async function takeSamples<E>(dataset: Dataset<E>, count: number, rng?: SeededRandom): Promise<Sample<E>[]> {
  const out: Sample<E>[] = [];
  if (count <= 0) return out;
  for await (const s of datasetSamples(dataset, rng)) {
    out.push(s);
    if (out.length >= count) break;
  }
  return out;
}
