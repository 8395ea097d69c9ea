// Public exports of src/benchmarks: the kernel benchmark cases `pnpm bench` and `ait bench` run.
export * from './reference-vit';
export * from './kernel-benchmarks';
