/**
 * Throughput of every generator, loader and the batching pipeline, in samples per second.
 * Prints a table and writes `bench-results/datasets-<time>.json`. Real CIFAR is not available
 * offline, so CIFAR is timed on files of the official size and layout filled with random bytes.
 *
 * Run: `pnpm bench` (or `npx tsx --conditions=@ait/source bench/run.ts` without building @ait/core).
 */
import { access, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Batch, SeededRandom, disposeBatch, initBackend } from '@ait/core';
import jpeg from 'jpeg-js';
import { PNG } from 'pngjs';
import { create as createTar } from 'tar';
import {
  type Dataset,
  FASHION_MNIST_DEBIAN_DIR,
  datasetBatchSource,
  datasetSamples,
  freshOrientedBarsDataset,
  freshSortOfClevrDataset,
  freshTriangleDataset,
  generateSortOfClevrImage,
  loadCifar10,
  loadFashionMnist,
  loadImageFolder,
  loadMnist,
  openSortOfClevrSet,
  openTriangleSet,
  orientedBarsDataset,
  renderScene,
  sortOfClevrDataset,
  triangleDataset,
  writeSortOfClevrSet,
  writeTriangleSet,
} from '../src/index';

interface Row {
  name: string;
  samples: number;
  seconds: number;
  samplesPerSecond: number;
  note: string;
}

const rows: Row[] = [];

async function time(name: string, note: string, run: () => Promise<number> | number): Promise<void> {
  const t0 = performance.now();
  const samples = await run();
  const seconds = (performance.now() - t0) / 1000;
  rows.push({ name, samples, seconds, samplesPerSecond: samples / seconds, note });
  console.log(`  ${name}: ${Math.round(samples / seconds).toLocaleString('en')} samples/s`);
}

async function drain(ds: Dataset, limit = Number.POSITIVE_INFINITY): Promise<number> {
  let n = 0;
  let checksum = 0;
  for await (const s of datasetSamples(ds)) {
    checksum += s.image[0] as number;
    if (++n >= limit) break;
  }
  if (Number.isNaN(checksum)) throw new Error('unreachable');
  return n;
}

async function drainBatches(batches: Iterable<Batch> | AsyncIterable<Batch>): Promise<number> {
  let n = 0;
  for await (const b of batches) {
    n += b.y.shape[0] as number;
    disposeBatch(b);
  }
  return n;
}

const exists = (p: string): Promise<boolean> =>
  access(p).then(
    () => true,
    () => false,
  );

async function main(): Promise<void> {
  const backend = await initBackend({ backend: 'cpu' });
  const work = await mkdtemp(join(tmpdir(), 'ait-datasets-bench-'));
  console.log(`@ait/datasets benchmark (${backend.summary}; ${cpus().length} cpus; ${cpus()[0]?.model ?? ''})`);
  try {
    // ---- Generators ----
    await time('triangle get (fixed set)', '64x64x1, per-index seeded', () => {
      const ds = triangleDataset({ size: 20_000 });
      for (let i = 0; i < ds.size; i++) ds.get(i);
      return ds.size;
    });
    await time('triangle fresh stream', '64x64x1', () => drain(freshTriangleDataset({ samplesPerEpoch: 20_000 })));
    await time('oriented bars get (fixed set)', '32x32x1, one bar, per-index seeded', () => {
      const ds = orientedBarsDataset({ size: 20_000 });
      for (let i = 0; i < ds.size; i++) ds.get(i);
      return ds.size;
    });
    await time('oriented bars fresh stream, 3 bars + noise', '32x32x1', () =>
      drain(freshOrientedBarsDataset({ samplesPerEpoch: 20_000, bars: 3, noise: 0.1 })),
    );
    await time('sort-of-clevr image (scene + 30 questions + render)', '75x75x3 images', () => {
      const rng = new SeededRandom(0);
      for (let j = 0; j < 3000; j++) renderScene(generateSortOfClevrImage(rng, 10).objects);
      return 3000;
    });
    await time('sort-of-clevr get, sequential', 'samples = questions', () => {
      const ds = sortOfClevrDataset({ images: 2000 });
      for (let i = 0; i < ds.size; i++) ds.get(i);
      return ds.size;
    });
    await time('sort-of-clevr get, shuffled', 'each sample re-generates its image', () => {
      const ds = sortOfClevrDataset({ images: 2000 });
      const order = new SeededRandom(1).permutation(ds.size);
      for (let i = 0; i < 20_000; i++) ds.get(order[i] as number);
      return 20_000;
    });
    await time('sort-of-clevr fresh stream', 'samples = questions', () => drain(freshSortOfClevrDataset({ imagesPerEpoch: 1000 })));

    // ---- Written synthetic sets ----
    const triDir = join(work, 'triangle');
    const socDir = join(work, 'soc');
    await time('writeTriangleSet (streaming to disk)', '4 IDX files', async () => (await writeTriangleSet(triDir, { size: 20_000 })).count);
    await time(
      'writeSortOfClevrSet (streaming to disk)',
      'images',
      async () => (await writeSortOfClevrSet(socDir, { images: 2000 })).count,
    );
    await time('openTriangleSet memory: open + read all', '', async () => drain(await openTriangleSet(triDir)));
    await time('openTriangleSet disk: read all', 'async reads', async () => {
      const ds = await openTriangleSet(triDir, { mode: 'disk' });
      const n = await drain(ds);
      await ds.close?.();
      return n;
    });
    await time('openSortOfClevrSet memory: open + read all', 'samples = questions', async () => drain(await openSortOfClevrSet(socDir)));

    // ---- MNIST-format IDX ----
    await time('MNIST train load (memory, IDX)', 'load only', async () => (await loadMnist()).size);
    const mnist = await loadMnist();
    await time('MNIST in-memory get', '', () => drain(mnist));
    await time('MNIST disk-mode read (test split)', 'async reads', async () => {
      const ds = await loadMnist({ split: 'test', mode: 'disk' });
      const n = await drain(ds);
      await ds.close?.();
      return n;
    });
    await time('MNIST stream-mode pass (test split)', '', async () => drain(await loadMnist({ split: 'test', mode: 'stream' })));
    const fashionDir = process.env.AIT_FASHION_MNIST_DIR ?? FASHION_MNIST_DEBIAN_DIR;
    if (await exists(fashionDir)) {
      await time('Fashion-MNIST train load (gzip IDX)', fashionDir, async () => (await loadFashionMnist({ dir: fashionDir })).size);
      await time('Fashion-MNIST gzip stream pass (train)', '', async () =>
        drain(await loadFashionMnist({ dir: fashionDir, mode: 'stream' })),
      );
    } else {
      console.log(`  (Fashion-MNIST skipped: ${fashionDir} not found)`);
    }

    // ---- CIFAR-10 binary (official sizes, random content) ----
    const cifarDir = join(work, 'cifar-10-batches-bin');
    await mkdir(cifarDir, { recursive: true });
    const names = ['data_batch_1.bin', 'data_batch_2.bin', 'data_batch_3.bin', 'data_batch_4.bin', 'data_batch_5.bin', 'test_batch.bin'];
    const rng = new SeededRandom(3);
    for (const name of names) {
      const buf = Buffer.alloc(10_000 * 3073);
      for (let i = 0; i < buf.length; i += 4) buf.writeUInt32LE(rng.nextSeed() * 2, i);
      for (let r = 0; r < 10_000; r++) buf[r * 3073] = r % 10;
      await writeFile(join(cifarDir, name), buf);
    }
    await time('CIFAR-10 train load from .bin (memory)', '50,000 records', async () => (await loadCifar10({ dir: work })).size);
    const archiveDir = join(work, 'archive');
    await mkdir(archiveDir);
    await createTar({ gzip: true, file: join(archiveDir, 'cifar-10-binary.tar.gz'), cwd: work }, ['cifar-10-batches-bin']);
    await time(
      'CIFAR-10 train load from .tar.gz (memory)',
      'random bytes compress poorly, as real images do',
      async () => (await loadCifar10({ dir: archiveDir })).size,
    );
    await time('CIFAR-10 disk-mode read (test split)', 'async reads', async () => {
      const ds = await loadCifar10({ dir: work, split: 'test', mode: 'disk' });
      const n = await drain(ds);
      await ds.close?.();
      return n;
    });

    // ---- Image folder ----
    const root = join(work, 'images');
    for (const cls of ['png', 'jpg']) await mkdir(join(root, cls), { recursive: true });
    for (let i = 0; i < 200; i++) {
      const data = Buffer.alloc(96 * 96 * 4);
      for (let p = 0; p < data.length; p++) data[p] = (p * 7 + i * 13) % 256;
      const png = new PNG({ width: 96, height: 96 });
      data.copy(png.data);
      await writeFile(join(root, 'png', `${i}.png`), PNG.sync.write(png));
      await writeFile(join(root, 'jpg', `${i}.jpg`), jpeg.encode({ width: 96, height: 96, data }, 90).data);
    }
    await time('image folder: decode PNG/JPEG 96x96 + resize to 64x64', '400 files, on demand', async () =>
      drain(await loadImageFolder({ root, imageSize: [64, 64] })),
    );
    await time(
      'image folder preload (same files)',
      'concurrency 8',
      async () => (await loadImageFolder({ root, imageSize: [64, 64], preload: true })).size,
    );

    // ---- Pipeline to tensors ----
    await time('pipeline MNIST -> tensors, batch 128, shuffle', 'x [128, 28, 28, 1]', () =>
      drainBatches(datasetBatchSource(mnist, { batchSize: 128 }).batches(0, new SeededRandom(0))),
    );
    const cifar = await loadCifar10({ dir: work });
    await time('pipeline CIFAR-10 -> tensors, batch 128, crop 4 + flip', 'x [128, 32, 32, 3]', () =>
      drainBatches(
        datasetBatchSource(cifar, { batchSize: 128, augment: { cropPadding: 4, horizontalFlip: true } }).batches(0, new SeededRandom(0)),
      ),
    );
    await time('pipeline Sort-of-CLEVR -> tensors, batch 64, shuffle', 'x [[64,75,75,3],[64,18]], generated on the fly', () =>
      drainBatches(datasetBatchSource(sortOfClevrDataset({ images: 1000 }), { batchSize: 64 }).batches(0, new SeededRandom(0))),
    );
    await time('pipeline fresh Triangle stream -> tensors, batch 128', 'shuffle buffer 1024', () =>
      drainBatches(
        datasetBatchSource(freshTriangleDataset({ samplesPerEpoch: 20_000 }), { batchSize: 128 }).batches(0, new SeededRandom(0)),
      ),
    );
  } finally {
    await rm(work, { recursive: true, force: true });
  }

  const width = Math.max(...rows.map((r) => r.name.length));
  console.log(`\n${'benchmark'.padEnd(width)}  ${'samples/s'.padStart(12)}  ${'samples'.padStart(8)}  ${'seconds'.padStart(8)}  note`);
  for (const r of rows) {
    console.log(
      `${r.name.padEnd(width)}  ${Math.round(r.samplesPerSecond).toLocaleString('en').padStart(12)}  ${String(r.samples).padStart(8)}  ${r.seconds.toFixed(2).padStart(8)}  ${r.note}`,
    );
  }
  const out = join(process.cwd(), 'bench-results');
  await mkdir(out, { recursive: true });
  const file = join(out, `datasets-${new Date().toISOString().replace(/[:.]/g, '-')}.json`);
  await writeFile(
    file,
    `${JSON.stringify({ package: '@ait/datasets', date: new Date().toISOString(), node: process.version, cpus: cpus().length, cpu: cpus()[0]?.model, backend: backend.backend, rows }, null, 2)}\n`,
  );
  console.log(`\nwrote ${file}`);
}

main().catch((err: unknown) => {
  console.error(err);
  process.exitCode = 1;
});
