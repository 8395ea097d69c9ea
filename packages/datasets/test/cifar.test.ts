import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, describe, expect, it } from 'vitest';
import {
  CIFAR10_LABEL_NAMES,
  CIFAR100_COARSE_LABEL_NAMES,
  CIFAR100_FINE_LABEL_NAMES,
  DataFileError,
  datasetSamples,
  loadCifar10,
  loadCifar100,
  type Sample,
} from '../src/index';
import { type CifarFixtureImage, cifarBytes, fixtureImages } from './helpers/cifar-fixture';
import { tarBytes } from './helpers/tar-fixture';
import { tempDirs } from './helpers/temp-dir';

const temp = tempDirs('cifar');
afterAll(() => temp.cleanup());

// The fixtures hold a few records per file, not the official 10,000: record counts are checked in their own test.
const subset = { checkRecordCounts: false } as const;
const TRAIN_FILES = ['data_batch_1.bin', 'data_batch_2.bin', 'data_batch_3.bin', 'data_batch_4.bin', 'data_batch_5.bin'];
const batches = TRAIN_FILES.map((_, k) => fixtureImages(3, 100 + k, 10));
const testImages = fixtureImages(4, 7, 10);
const trainImages = batches.flat();

async function collect(ds: Parameters<typeof datasetSamples>[0]): Promise<Sample[]> {
  const out: Sample[] = [];
  for await (const s of datasetSamples(ds)) out.push(s);
  return out;
}

function expectSamples(got: Sample[], want: CifarFixtureImage[]): void {
  expect(got.map((s) => s.label)).toEqual(want.map((w) => w.label));
  got.forEach((s, i) => expect(Buffer.from(s.image).equals(Buffer.from((want[i] as CifarFixtureImage).hwc))).toBe(true));
}

async function cifar10Folder(dir: string): Promise<void> {
  await mkdir(dir, { recursive: true });
  for (const [k, name] of TRAIN_FILES.entries()) await writeFile(join(dir, name), cifarBytes(batches[k] as CifarFixtureImage[], 'cifar10'));
  await writeFile(join(dir, 'test_batch.bin'), cifarBytes(testImages, 'cifar10'));
}

function cifar10Archive(): Buffer {
  return gzipSync(
    tarBytes([
      { name: 'cifar-10-batches-bin/' },
      { name: 'cifar-10-batches-bin/batches.meta.txt', data: Buffer.from(`${CIFAR10_LABEL_NAMES.join('\n')}\n`) },
      ...TRAIN_FILES.map((name, k) => ({
        name: `cifar-10-batches-bin/${name}`,
        data: cifarBytes(batches[k] as CifarFixtureImage[], 'cifar10'),
      })),
      { name: 'cifar-10-batches-bin/test_batch.bin', data: cifarBytes(testImages, 'cifar10') },
    ]),
  );
}

describe('CIFAR-10 binary', () => {
  it('reads the .bin files (channel-planar records) from a folder or its cifar-10-batches-bin sub-folder', async () => {
    const dir = await temp.make();
    await cifar10Folder(join(dir, 'cifar-10-batches-bin'));
    const train = await loadCifar10({ ...subset, dir });
    expect(train.size).toBe(15);
    expect(train.imageShape).toEqual([32, 32, 3]);
    expect(train.labelNames).toEqual(CIFAR10_LABEL_NAMES);
    expectSamples(await collect(train), trainImages);
    const test = await loadCifar10({ ...subset, dir: join(dir, 'cifar-10-batches-bin'), split: 'test' });
    expectSamples(await collect(test), testImages);
    const disk = await loadCifar10({ ...subset, dir, mode: 'disk' });
    expect(disk.access).toBe('async-random');
    expectSamples(await collect(disk), trainImages);
    await disk.close?.();
  });

  it('reads the official .tar.gz from a folder or a path', async () => {
    const dir = await temp.make();
    await writeFile(join(dir, 'cifar-10-binary.tar.gz'), cifar10Archive());
    expectSamples(await collect(await loadCifar10({ ...subset, dir })), trainImages);
    const other = await temp.make();
    await writeFile(join(other, 'my.tgz'), cifar10Archive());
    expectSamples(await collect(await loadCifar10({ ...subset, archive: join(other, 'my.tgz'), split: 'test' })), testImages);
    await expect(loadCifar10({ ...subset, dir, mode: 'disk' })).rejects.toThrow(/mode 'disk' reads the extracted \.bin files.*extract it/);
  });

  it('says which file to put where when nothing is found, and what is missing when files are partial', async () => {
    const dir = await temp.make();
    await expect(loadCifar10({ ...subset, dir })).rejects.toThrow(
      new RegExp(
        `CIFAR-10 train set not found: no train files found in ${dir}\\..*Put the official archive cifar-10-binary\\.tar\\.gz ` +
          `\\(https://www\\.cs\\.toronto\\.edu/~kriz/cifar-10-binary\\.tar\\.gz, MD5 c32a1d4ab5d03f1284b67883e8d87530\\) at ` +
          `${dir}/cifar-10-binary\\.tar\\.gz, or its extracted train files \\(data_batch_1\\.bin.*\\) into ${dir}/cifar-10-batches-bin/.*download: true`,
      ),
    );
    await writeFile(join(dir, 'data_batch_1.bin'), cifarBytes(batches[0] as CifarFixtureImage[], 'cifar10'));
    await expect(loadCifar10({ ...subset, dir })).rejects.toThrow(
      /holds only some train files: data_batch_2\.bin, .*data_batch_5\.bin are missing/,
    );
  });

  it('names the file and the problem for truncated, mismatched and corrupt data', async () => {
    const dir = await temp.make();
    await cifar10Folder(dir);
    const good = cifarBytes(testImages, 'cifar10');
    await writeFile(join(dir, 'test_batch.bin'), good.subarray(0, good.length - 100));
    await expect(loadCifar10({ ...subset, dir, split: 'test' })).rejects.toThrow(
      /test_batch\.bin: 12192 bytes is not a whole number of 3073-byte records.*truncated or corrupt/,
    );
    await expect(loadCifar10({ ...subset, dir, split: 'test', mode: 'disk' })).rejects.toThrow(/test_batch\.bin: 12192 bytes/);
    // A CIFAR-100 file where CIFAR-10 is expected.
    await writeFile(join(dir, 'test_batch.bin'), cifarBytes(fixtureImages(3, 1, 100, 20), 'cifar100'));
    await expect(loadCifar10({ ...subset, dir, split: 'test' })).rejects.toThrow(/3074-byte records: it looks like a CIFAR-100 file/);
    // A label byte out of range.
    const bad = Buffer.from(good);
    bad[3073] = 12;
    await writeFile(join(dir, 'test_batch.bin'), bad);
    await expect(loadCifar10({ ...subset, dir, split: 'test' })).rejects.toThrow(/test_batch\.bin: record 1 has label 12, outside 0\.\.9/);
    const disk = await loadCifar10({ ...subset, dir, split: 'test', mode: 'disk' });
    await expect(disk.read(1)).rejects.toThrow(/record 1 has label 12/);
    await disk.close?.();
    // Truncated and incomplete archives.
    const archive = cifar10Archive();
    const cut = await temp.make();
    await writeFile(join(cut, 'cifar-10-binary.tar.gz'), archive.subarray(0, archive.length - 200));
    await expect(loadCifar10({ ...subset, dir: cut })).rejects.toThrow(/Archive .*cifar-10-binary\.tar\.gz is corrupt or truncated/);
    const partial = await temp.make();
    await writeFile(
      join(partial, 'cifar-10-binary.tar.gz'),
      gzipSync(tarBytes([{ name: 'cifar-10-batches-bin/test_batch.bin', data: cifarBytes(testImages, 'cifar10') }])),
    );
    await expect(loadCifar10({ ...subset, dir: partial })).rejects.toThrow(
      /lacks data_batch_1\.bin .*not the official cifar-10-binary\.tar\.gz/,
    );
    await expect(loadCifar10({ ...subset, archive: join(partial, 'nope.tar.gz') })).rejects.toThrow(
      /the archive .*nope\.tar\.gz does not exist/,
    );
  });
});

describe('CIFAR-100 binary', () => {
  const train = fixtureImages(5, 3, 100, 20);
  const test = fixtureImages(2, 4, 100, 20);

  it('reads coarse and fine labels from train.bin / test.bin, plain or archived', async () => {
    const dir = await temp.make();
    await writeFile(
      join(dir, 'cifar-100-binary.tar.gz'),
      gzipSync(
        tarBytes([
          { name: 'cifar-100-binary/' },
          { name: 'cifar-100-binary/train.bin', data: cifarBytes(train, 'cifar100') },
          { name: 'cifar-100-binary/test.bin', data: cifarBytes(test, 'cifar100') },
        ]),
      ),
    );
    const fine = await loadCifar100({ ...subset, dir });
    expect(fine.numClasses).toBe(100);
    expect(fine.labelNames).toEqual(CIFAR100_FINE_LABEL_NAMES);
    expect(CIFAR100_FINE_LABEL_NAMES).toHaveLength(100);
    expect(CIFAR100_COARSE_LABEL_NAMES).toHaveLength(20);
    expectSamples(await collect(fine), train);
    expect(fine.get(2).extra).toEqual({ fine: train[2]?.label, coarse: train[2]?.coarse });

    const plain = await temp.make();
    await writeFile(join(plain, 'test.bin'), cifarBytes(test, 'cifar100'));
    const coarse = await loadCifar100({ ...subset, dir: plain, split: 'test', labels: 'coarse' });
    expect(coarse.name).toBe('cifar100-test-coarse');
    expect(coarse.numClasses).toBe(20);
    expect((await collect(coarse)).map((s) => s.label)).toEqual(test.map((t) => t.coarse));
    const disk = await loadCifar100({ ...subset, dir: plain, split: 'test', mode: 'disk', labels: 'coarse' });
    expect((await disk.read(1)).label).toBe(test[1]?.coarse);
    await disk.close?.();

    const bad = cifarBytes(test, 'cifar100');
    bad[1] = 150;
    await writeFile(join(plain, 'test.bin'), bad);
    await expect(loadCifar100({ ...subset, dir: plain, split: 'test' })).rejects.toThrow(
      /test\.bin: record 0 has coarse label .* fine label 150/,
    );
    await expect(loadCifar10({ ...subset, dir: plain, labels: 'fine' } as never)).rejects.toThrow(/labels option is for CIFAR-100 only/);
  });
});

describe('CIFAR record counts (the official files hold 10,000 records each; CIFAR-100 train.bin 50,000)', () => {
  /** `records` CIFAR-10 records: label r % 10, pixel bytes (r + i) % 251. */
  function cifar10Records(records: number): Buffer {
    const out = Buffer.alloc(records * 3073);
    for (let r = 0; r < records; r++) {
      const at = r * 3073;
      out[at] = r % 10;
      for (let i = 0; i < 3072; i++) out[at + 1 + i] = (r + i) % 251;
    }
    return out;
  }
  const full = cifar10Records(10_000);

  it('accepts official counts and refuses a file cut at a record boundary, naming file, counts and fix', async () => {
    const dir = await temp.make();
    await writeFile(join(dir, 'test_batch.bin'), full);
    const ok = await loadCifar10({ dir, split: 'test' });
    expect(ok.size).toBe(10_000);
    expect(ok.get(9_999).label).toBe(9);
    const okDisk = await loadCifar10({ dir, split: 'test', mode: 'disk' });
    expect(okDisk.size).toBe(10_000);
    await okDisk.close?.();

    // 9,999 whole records: a valid length, so only the count shows the loss.
    await writeFile(join(dir, 'test_batch.bin'), full.subarray(0, 9_999 * 3073));
    const message =
      /CIFAR-10 file .*test_batch\.bin: holds 9,999 records, but each official test file holds 10,000; it is truncated \(cut at a record boundary\).*Download it again \(the official cifar-10-binary\.tar\.gz.*checkRecordCounts: false/;
    for (const mode of ['memory', 'disk'] as const) {
      const err: unknown = await loadCifar10({ dir, split: 'test', mode }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(DataFileError);
      expect((err as DataFileError).kind).toBe('record-count');
      expect((err as DataFileError).file).toBe(join(dir, 'test_batch.bin'));
      expect((err as Error).message).toMatch(message);
    }
    // Inside the official archive too, named archive:member.
    await writeFile(
      join(dir, 'cifar-10-binary.tar.gz'),
      gzipSync(tarBytes([{ name: 'cifar-10-batches-bin/test_batch.bin', data: full.subarray(0, 3 * 3073) }])),
    );
    await expect(loadCifar10({ archive: join(dir, 'cifar-10-binary.tar.gz'), split: 'test' })).rejects.toThrow(
      /cifar-10-binary\.tar\.gz:test_batch\.bin: holds 3 records, but each official test file holds 10,000/,
    );
    // A custom subset under the official names loads when asked.
    expect((await loadCifar10({ dir, split: 'test', checkRecordCounts: false })).size).toBe(9_999);
    // A train batch is checked the same way; CIFAR-100 train.bin against 50,000.
    await cifar10Folder(dir);
    await expect(loadCifar10({ dir })).rejects.toThrow(/data_batch_1\.bin: holds 3 records, but each official train file holds 10,000/);
    await writeFile(join(dir, 'train.bin'), cifarBytes(fixtureImages(4, 1, 100, 20), 'cifar100'));
    await expect(loadCifar100({ dir })).rejects.toThrow(
      /CIFAR-100 file .*train\.bin: holds 4 records, but each official train file holds 50,000/,
    );
    await expect(loadCifar10({ dir, checkRecordCounts: 'no' } as never)).rejects.toThrow(/checkRecordCounts: must be true or false/);
  });
});
