import { type SeededRandom } from '@ait/core';

/**
 * Shuffles a stream approximately with a buffer of `size` items, holding only the buffer in
 * memory: once the buffer is full, each incoming item replaces a uniformly chosen buffered item,
 * which is yielded; at the end the rest is yielded in a random order. All choices come from `rng`,
 * so the order is reproducible. With `size` at least the stream's length, the result is a uniform
 * random permutation.
 */
export async function* shuffleBuffer<T>(source: AsyncIterable<T> | Iterable<T>, size: number, rng: SeededRandom): AsyncGenerator<T> {
  if (!Number.isInteger(size) || size < 1) throw new Error(`shuffleBuffer: size must be a positive integer, got ${size}.`);
  const buffer: T[] = [];
  for await (const item of source) {
    if (buffer.length < size) {
      buffer.push(item);
      continue;
    }
    const j = rng.nextInt(size);
    const out = buffer[j] as T;
    buffer[j] = item;
    yield out;
  }
  rng.shuffle(buffer);
  yield* buffer;
}
