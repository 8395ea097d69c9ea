import { createHash } from 'node:crypto';
import { access, readdir } from 'node:fs/promises';
import { type AddressInfo } from 'node:net';
import { createServer, type Server } from 'node:http';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { downloadCifar, loadCifar10 } from '../src/index';
import { cifarBytes, fixtureImages } from './helpers/cifar-fixture';
import { tarBytes } from './helpers/tar-fixture';
import { tempDirs } from './helpers/temp-dir';

const temp = tempDirs('download');
const files = ['data_batch_1.bin', 'data_batch_2.bin', 'data_batch_3.bin', 'data_batch_4.bin', 'data_batch_5.bin', 'test_batch.bin'];
const images = files.map((_, k) => fixtureImages(2, 50 + k, 10));
const archive = gzipSync(
  tarBytes(files.map((f, k) => ({ name: `cifar-10-batches-bin/${f}`, data: cifarBytes(images[k] ?? [], 'cifar10') }))),
);
const md5 = createHash('md5').update(archive).digest('hex');

let server: Server;
let base = '';
const requests: string[] = [];

beforeAll(async () => {
  server = createServer((req, res) => {
    requests.push(req.url ?? '');
    if (req.url === '/cifar-10-binary.tar.gz') {
      res.writeHead(200, { 'content-type': 'application/gzip', 'content-length': archive.length });
      res.end(archive);
    } else {
      res.writeHead(404);
      res.end('not here');
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  await new Promise<void>((resolve) => server.close(() => resolve()));
  await temp.cleanup();
});

describe('CIFAR download (opt-in, local test server on 127.0.0.1)', () => {
  it('downloads into the cache folder, verifies the MD5, extracts, loads, and reuses the download', async () => {
    const cacheDir = await temp.make();
    const url = `${base}/cifar-10-binary.tar.gz`;
    const ds = await loadCifar10({ checkRecordCounts: false, split: 'test', download: { cacheDir, url, md5 } });
    expect(ds.size).toBe(2);
    expect(ds.get(1).label).toBe(images[5]?.[1]?.label);
    expect((await readdir(join(cacheDir, 'cifar-10-batches-bin'))).sort()).toEqual([...files].sort());
    await access(join(cacheDir, 'cifar-10-binary.tar.gz'));
    const before = requests.length;
    // Found in the cache folder now: no second request.
    expect((await loadCifar10({ checkRecordCounts: false, dir: cacheDir, download: { url, md5 } })).size).toBe(10);
    // Called directly, the archive already in the cache with the right MD5 is not fetched again.
    await downloadCifar('cifar10', { cacheDir, url, md5 });
    expect(requests.length).toBe(before);
  });

  it('deletes a download whose MD5 does not match and says so', async () => {
    const cacheDir = await temp.make();
    await expect(loadCifar10({ download: { cacheDir, url: `${base}/cifar-10-binary.tar.gz`, md5: '0'.repeat(32) } })).rejects.toThrow(
      new RegExp(`has MD5 ${md5}, not 0{32}: it is corrupt or not the official cifar-10-binary\\.tar\\.gz, so it was deleted`),
    );
    expect(await readdir(cacheDir)).toEqual([]);
  });

  it('without a reachable server, says which file to put where', async () => {
    const cacheDir = await temp.make();
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    await expect(loadCifar10({ download: { cacheDir, url: `http://127.0.0.1:${port}/x.tar.gz` } })).rejects.toThrow(
      new RegExp(
        `Could not download CIFAR-10 from http://127\\.0\\.0\\.1:${port}/x\\.tar\\.gz \\(.*\\)\\. Without network access, download ` +
          `cifar-10-binary\\.tar\\.gz \\(MD5 c32a1d4ab5d03f1284b67883e8d87530\\) .* put it at ${cacheDir}/cifar-10-binary\\.tar\\.gz`,
      ),
    );
    await expect(loadCifar10({ download: { cacheDir, url: `${base}/missing.tar.gz` } })).rejects.toThrow(/HTTP 404/);
  });
});
