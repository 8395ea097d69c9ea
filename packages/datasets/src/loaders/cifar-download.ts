import { createHash } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { type ReadableStream as WebReadableStream } from 'node:stream/web';
import { validateConfig, z } from '@ait/core';
import { type CifarVariant } from '../formats/cifar-format';
import { DataFileError } from '../formats/data-file-error';
import { readTarMembers } from '../formats/tar-archive';
import { CIFAR_SOURCES } from './cifar-sources';
import { defaultDataDirectory } from './data-directory';

/** Options of {@link downloadCifar}. */
export interface CifarDownloadOptions {
  /** Folder for the archive and the extracted files; default {@link defaultDataDirectory}. */
  cacheDir?: string;
  /** Address of the archive; default the official one. */
  url?: string;
  /** Expected MD5 (hex) of the archive; default the official archive's. */
  md5?: string;
  /** Give up after this many milliseconds; default 10 minutes. */
  timeoutMs?: number;
}

const schema = z.strictObject({
  cacheDir: z.string().min(1).optional(),
  url: z.url('must be an http(s) URL').optional(),
  md5: z
    .string()
    .regex(/^[0-9a-fA-F]{32}$/, 'must be 32 hex digits')
    .optional(),
  timeoutMs: z.number().int().min(1).default(600_000),
});

/** MD5 (hex) of a file, streamed. */
export async function md5File(path: string): Promise<string> {
  const hash = createHash('md5');
  await pipeline(createReadStream(path), hash);
  return hash.digest('hex');
}

function causeOf(err: unknown): string {
  const e = err as { message?: string; cause?: { code?: string; message?: string } };
  const cause = e.cause?.code ?? e.cause?.message;
  return cause ? `${e.message ?? String(err)}: ${cause}` : (e.message ?? String(err));
}

/**
 * Downloads the official CIFAR-10 or CIFAR-100 binary archive into `cacheDir` (opt-in: only
 * loaders given `download` call it), verifies its MD5, and extracts its `.bin` files into
 * `cacheDir/<archive folder>/`. An archive already in `cacheDir` with the right MD5 is not
 * fetched again. Returns the folder with the extracted files. Without network access it throws
 * an Error saying which file to put where; a checksum mismatch deletes the download and throws.
 */
export async function downloadCifar(variant: CifarVariant, options: CifarDownloadOptions = {}): Promise<string> {
  const o = validateConfig('downloadCifar', schema, options);
  const source = CIFAR_SOURCES[variant];
  const cacheDir = o.cacheDir ?? defaultDataDirectory();
  const url = o.url ?? source.url;
  const md5 = (o.md5 ?? source.md5).toLowerCase();
  const target = join(cacheDir, source.archive);
  const folder = join(cacheDir, source.folder);
  const manual =
    `Without network access, download ${source.archive} (MD5 ${md5}) from ${source.url} on another machine and put ` +
    `it at ${target}, or put its extracted files (${[...source.files.train, ...source.files.test].join(', ')}) into ${folder}/.`;
  await mkdir(cacheDir, { recursive: true });

  let have = false;
  try {
    have = (await md5File(target)) === md5;
  } catch {
    have = false;
  }
  if (!have) {
    const part = `${target}.part-${process.pid}`;
    let response: Response;
    try {
      response = await fetch(url, { signal: AbortSignal.timeout(o.timeoutMs) });
    } catch (err) {
      throw new Error(`Could not download ${source.title} from ${url} (${causeOf(err)}). ${manual}`);
    }
    if (!response.ok || response.body === null) {
      throw new Error(`Could not download ${source.title} from ${url}: HTTP ${response.status} ${response.statusText}. ${manual}`);
    }
    const hash = createHash('md5');
    const hashing = new Transform({
      transform(chunk: Buffer, _enc, done) {
        hash.update(chunk);
        done(null, chunk);
      },
    });
    try {
      await pipeline(Readable.fromWeb(response.body as WebReadableStream<Uint8Array>), hashing, createWriteStream(part));
    } catch (err) {
      await rm(part, { force: true });
      throw new DataFileError('corrupt', target, `Download of ${source.title} from ${url} broke off (${causeOf(err)}). ${manual}`);
    }
    const got = hash.digest('hex');
    if (got !== md5) {
      await rm(part, { force: true });
      throw new DataFileError(
        'corrupt',
        target,
        `The file downloaded from ${url} has MD5 ${got}, not ${md5}: it is corrupt or not the official ${source.archive}, ` +
          `so it was deleted. Try again, or ${manual.charAt(0).toLowerCase()}${manual.slice(1)}`,
      );
    }
    await rename(part, target);
  }

  const names = [...source.files.train, ...source.files.test];
  const members = await readTarMembers(target, names, `Delete ${target} and download it again.`);
  const missing = names.filter((n) => !members.has(n));
  if (missing.length > 0) {
    throw new DataFileError(
      'missing',
      target,
      `Archive ${target} lacks ${missing.join(', ')}; it is not the official ${source.archive}. Delete it and download it again.`,
    );
  }
  await mkdir(folder, { recursive: true });
  for (const [name, bytes] of members) {
    const tmp = join(folder, `${name}.tmp-${process.pid}`);
    await writeFile(tmp, bytes);
    await rename(tmp, join(folder, name));
  }
  return folder;
}
