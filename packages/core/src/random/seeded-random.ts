import seedrandom from 'seedrandom';

/** Serialisable state of a {@link SeededRandom} stream (the Alea generator's internal words). */
export interface RandomState {
  /** Generator algorithm; only `alea` is produced today. */
  readonly algorithm: 'alea';
  readonly c: number;
  readonly s0: number;
  readonly s1: number;
  readonly s2: number;
}

interface AleaState {
  c: number;
  s0: number;
  s1: number;
  s2: number;
}

interface StatefulPrng {
  (): number;
  int32(): number;
  state(): AleaState;
}

function isRandomState(value: unknown): value is RandomState {
  if (typeof value !== 'object' || value === null) return false;
  const v = value as Record<string, unknown>;
  return v.algorithm === 'alea' && ['c', 's0', 's1', 's2'].every((k) => typeof v[k] === 'number' && Number.isFinite(v[k]));
}

/**
 * A seeded, serialisable pseudo-random stream (Alea, from the `seedrandom` package).
 *
 * One seed makes everything that draws from it reproducible: weight initialisation
 * (via {@link SeededRandom.nextSeed} passed to tfjs initialisers), data shuffling and dropout
 * masks. Its state can be saved into a checkpoint and restored, so a resumed run draws the same
 * numbers as an uninterrupted one.
 */
export class SeededRandom {
  private prng: StatefulPrng;

  /**
   * @param seed Any integer or string. The same seed always yields the same stream.
   */
  constructor(seed: number | string) {
    if (typeof seed === 'number' && !Number.isFinite(seed)) {
      throw new Error(`SeededRandom: seed must be a finite number or a string, got ${seed}.`);
    }
    this.prng = seedrandom.alea(String(seed), { state: true }) as unknown as StatefulPrng;
  }

  /** Rebuilds a stream from {@link SeededRandom.getState}; it continues exactly where that left off. */
  static fromState(state: RandomState): SeededRandom {
    if (!isRandomState(state)) {
      throw new Error(
        'SeededRandom.fromState: the state is not a saved Alea state ' +
          '({algorithm: "alea", c, s0, s1, s2}); it may come from a corrupt checkpoint.',
      );
    }
    const r = new SeededRandom(0);
    r.setState(state);
    return r;
  }

  /** A uniform float in [0, 1). */
  next(): number {
    return this.prng();
  }

  /** A uniform integer in [0, maxExclusive). */
  nextInt(maxExclusive: number): number {
    if (!Number.isInteger(maxExclusive) || maxExclusive <= 0) {
      throw new Error(`SeededRandom.nextInt: maxExclusive must be a positive integer, got ${maxExclusive}.`);
    }
    return Math.floor(this.prng() * maxExclusive);
  }

  /**
   * A fresh non-negative 31-bit integer seed, for tfjs ops that take a `seed` argument
   * (initialisers, `tf.dropout`, `tf.randomUniform`).
   */
  nextSeed(): number {
    return this.prng.int32() >>> 1;
  }

  /** A standard-normal float (Box-Muller). */
  normal(): number {
    let u = 0;
    while (u === 0) u = this.prng();
    const v = this.prng();
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
  }

  /** Shuffles `items` in place (Fisher-Yates) and returns it. */
  shuffle<T>(items: T[]): T[] {
    for (let i = items.length - 1; i > 0; i--) {
      const j = Math.floor(this.prng() * (i + 1));
      const tmp = items[i] as T;
      items[i] = items[j] as T;
      items[j] = tmp;
    }
    return items;
  }

  /** A random permutation of `0 .. n-1` as an `Int32Array`. */
  permutation(n: number): Int32Array {
    const out = new Int32Array(n);
    for (let i = 0; i < n; i++) out[i] = i;
    for (let i = n - 1; i > 0; i--) {
      const j = Math.floor(this.prng() * (i + 1));
      const tmp = out[i] as number;
      out[i] = out[j] as number;
      out[j] = tmp;
    }
    return out;
  }

  /** An independent child stream derived from this one's next draw (advances this stream once). */
  fork(): SeededRandom {
    return new SeededRandom(`fork:${this.prng.int32()}`);
  }

  /** A JSON-serialisable snapshot of the stream's position. */
  getState(): RandomState {
    const s = this.prng.state();
    return { algorithm: 'alea', c: s.c, s0: s.s0, s1: s.s1, s2: s.s2 };
  }

  /** Moves the stream to a saved position. */
  setState(state: RandomState): void {
    if (!isRandomState(state)) {
      throw new Error('SeededRandom.setState: not a saved Alea state; it may come from a corrupt checkpoint.');
    }
    const { c, s0, s1, s2 } = state;
    this.prng = seedrandom.alea('', { state: { c, s0, s1, s2 } }) as unknown as StatefulPrng;
  }
}

let globalRandom = new SeededRandom(42);

/**
 * Seeds the library-wide random stream that layers use for initialisation and dropout when no
 * explicit seed is given. Call it once at start-up for a reproducible run.
 */
export function setGlobalSeed(seed: number | string): void {
  globalRandom = new SeededRandom(seed);
}

/** The library-wide random stream (seed 42 until {@link setGlobalSeed} is called). */
export function globalRng(): SeededRandom {
  return globalRandom;
}

/** Replaces the library-wide random stream, e.g. with one restored from a checkpoint. */
export function setGlobalRng(rng: SeededRandom): void {
  globalRandom = rng;
}
