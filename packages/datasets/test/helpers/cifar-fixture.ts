// CIFAR binary records built independently of the loader: each image is given interleaved
// [32, 32, 3] (as the loader returns it) and written channel-planar after its label byte(s).

export interface CifarFixtureImage {
  /** [32, 32, 3] interleaved bytes. */
  hwc: Uint8Array;
  label: number;
  /** CIFAR-100 only. */
  coarse?: number;
}

/** Deterministic pseudo-random fixture images (a small LCG, so no dependency on the package's RNG). */
export function fixtureImages(count: number, seed: number, classes: number, coarseClasses?: number): CifarFixtureImage[] {
  let s = seed >>> 0;
  const next = (): number => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s >>> 24;
  };
  return Array.from({ length: count }, () => {
    const hwc = new Uint8Array(32 * 32 * 3);
    for (let i = 0; i < hwc.length; i++) hwc[i] = next();
    const label = next() % classes;
    return coarseClasses === undefined ? { hwc, label } : { hwc, label, coarse: next() % coarseClasses };
  });
}

export function cifarBytes(images: CifarFixtureImage[], variant: 'cifar10' | 'cifar100'): Buffer {
  const rec = variant === 'cifar10' ? 3073 : 3074;
  const out = Buffer.alloc(images.length * rec);
  images.forEach((img, i) => {
    let at = i * rec;
    if (variant === 'cifar100') out[at++] = img.coarse ?? 0;
    out[at++] = img.label;
    for (let ch = 0; ch < 3; ch++) {
      for (let row = 0; row < 32; row++) {
        for (let col = 0; col < 32; col++) out[at++] = img.hwc[(row * 32 + col) * 3 + ch] as number;
      }
    }
  });
  return out;
}
