// A gzip-compressed IDX file is unpacked only as far as its header announces, and a header that
// announces more than the compressed size can hold is refused before anything is allocated: a zip
// bomb (a small file that unpacks to hundreds of megabytes) gives a named DataFileError, and memory
// stays near the size of the data the header announces (issue 22).
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { createGzip, gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DataFileError, MAX_DEFLATE_RATIO, openIdxStream, readIdxFile } from '../src/index';
import { idxBytes } from './helpers/idx-fixture';
import { tempDirs } from './helpers/temp-dir';

const temp = tempDirs('gzip-bomb');
afterAll(() => temp.cleanup());

/** Bytes of zeros the bomb unpacks to after its IDX header. */
const BOMB_ZEROS = 256 * 2 ** 20;
const MiB = 2 ** 20;

/** gzip of `head` followed by `zeros` zero bytes, compressed as it streams (never held whole). */
async function gzipWithZeros(head: Uint8Array, zeros: number): Promise<Buffer> {
  const gz = createGzip({ level: 9 });
  const out: Buffer[] = [];
  gz.on('data', (c: Buffer) => out.push(c));
  const ended = new Promise<void>((resolve, reject) => {
    gz.on('end', resolve);
    gz.on('error', reject);
  });
  gz.write(head);
  const block = Buffer.alloc(MiB);
  for (let left = zeros; left > 0; left -= block.length) {
    if (!gz.write(left >= block.length ? block : block.subarray(0, left))) await new Promise((r) => gz.once('drain', r));
  }
  gz.end();
  await ended;
  return Buffer.concat(out);
}

/** Runs `read` while sampling the memory held by array buffers every millisecond; returns the largest growth. */
async function peakArrayBufferGrowth(read: () => Promise<unknown>): Promise<{ growth: number; result: unknown }> {
  const base = process.memoryUsage().arrayBuffers;
  let peak = base;
  const sample = (): void => {
    peak = Math.max(peak, process.memoryUsage().arrayBuffers);
  };
  const timer = setInterval(sample, 1);
  let result: unknown;
  try {
    result = await read();
  } catch (err) {
    result = err;
  } finally {
    sample();
    clearInterval(timer);
  }
  return { growth: peak - base, result };
}

let dir: string;
let bomb: string;
const records = [10, 28, 28];

beforeAll(async () => {
  dir = await temp.make();
  // a genuine header and data of 10 MNIST-sized images, then 256 MiB of zeros: about 250 KB on disk
  const head = idxBytes('uint8', records, new Uint8Array(10 * 28 * 28).fill(7));
  const bytes = await gzipWithZeros(head, BOMB_ZEROS);
  expect(bytes.byteLength).toBeLessThan(BOMB_ZEROS / 500);
  bomb = join(dir, 'bomb-images-idx3-ubyte.gz');
  await writeFile(bomb, bytes);
});

describe('gzip-compressed IDX files under a size bound', () => {
  it('reads a genuine gzip file as the plain one, whole and as a stream', async () => {
    const plain = idxBytes('int16', [3, 2], [1, -2, 300, -400, 5, 6]);
    const path = join(dir, 'small.idx.gz');
    await writeFile(path, gzipSync(plain));
    const whole = await readIdxFile(path);
    expect(whole.header.dims).toEqual([3, 2]);
    expect(Array.from(whole.data)).toEqual([1, -2, 300, -400, 5, 6]);
    const stream = await openIdxStream(path);
    const got: number[][] = [];
    for await (const r of stream.records) got.push(Array.from(r));
    expect(got).toHaveLength(3);
  });

  it('a zip bomb after a genuine header: trailing-bytes after unpacking only what the header announces', async () => {
    const { growth, result } = await peakArrayBufferGrowth(() => readIdxFile(bomb));
    expect(result).toBeInstanceOf(DataFileError);
    expect(result).toMatchObject({ kind: 'trailing-bytes', file: bomb, message: expect.stringContaining(bomb) });
    // 7.8 KB of announced data plus zlib's chunks, not 256 MiB
    expect(growth).toBeLessThan(16 * MiB);
  });

  it('a zip bomb read as a stream: the announced records, then trailing-bytes, one chunk at a time', async () => {
    const { growth, result } = await peakArrayBufferGrowth(async () => {
      const s = await openIdxStream(bomb);
      let n = 0;
      for await (const _ of s.records) n++;
      return n;
    });
    expect(result).toMatchObject({ kind: 'trailing-bytes', file: bomb });
    expect(growth).toBeLessThan(16 * MiB);
  });

  it('a header announcing more than the compressed size can unpack to is refused before allocating', async () => {
    // 2^31 records of 28 x 28 bytes (1.7 TB) from a gzip file of a few hundred bytes
    const forged = gzipSync(idxBytes('uint8', [2 ** 31, 28, 28], new Uint8Array(28 * 28)));
    const path = join(dir, 'forged-idx3-ubyte.gz');
    await writeFile(path, forged);
    const most = forged.byteLength * MAX_DEFLATE_RATIO;
    for (const read of [() => readIdxFile(path), () => openIdxStream(path)]) {
      const { growth, result } = await peakArrayBufferGrowth(read);
      expect(result).toBeInstanceOf(DataFileError);
      expect(result).toMatchObject({
        kind: 'truncated',
        message: expect.stringContaining(`a gzip file of ${forged.byteLength} bytes unpacks to at most ${most} bytes`),
      });
      expect(growth).toBeLessThan(16 * MiB);
    }
  });

  it('a bomb cut short or damaged is corrupt, and a stream ending inside the header truncated', async () => {
    const whole = await gzipWithZeros(idxBytes('uint8', [4, 2], new Uint8Array(8)), 4 * MiB);
    const cut = join(dir, 'cut.gz');
    await writeFile(cut, whole.subarray(0, whole.byteLength - 10));
    // cut inside the zeros: more than announced arrives first, so the extra bytes are reported
    await expect(readIdxFile(cut)).rejects.toMatchObject({ kind: 'trailing-bytes' });
    const damaged = join(dir, 'damaged.gz');
    const bad = Buffer.from(whole);
    bad.fill(0xff, 10, 40);
    await writeFile(damaged, bad);
    await expect(readIdxFile(damaged)).rejects.toMatchObject({ kind: 'corrupt', file: damaged });
    const short = join(dir, 'short.gz');
    await writeFile(short, gzipSync(Buffer.from([0, 0, 8, 3, 0, 0])));
    await expect(readIdxFile(short)).rejects.toMatchObject({ kind: 'truncated', file: short });
  });
});
