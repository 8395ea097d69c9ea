import { DataFileError } from '../formats/data-file-error';
import { type CifarSource } from './cifar-sources';

/**
 * Throws a {@link DataFileError} (`record-count`) unless an official CIFAR file of `split` holds
 * the official number of records (CIFAR-10: 10,000 in each `data_batch_N.bin` and in
 * `test_batch.bin`; CIFAR-100: 50,000 in `train.bin`, 10,000 in `test.bin`). A file cut at a
 * record boundary has a valid length, so only its count shows that records are missing.
 *
 * @param found Records the file holds.
 * @param file The file, as named in the message (`archive:member` inside an archive).
 */
export function checkCifarRecordCount(source: CifarSource, split: 'train' | 'test', found: number, file: string): void {
  const expected = source.recordsPerFile[split];
  if (found === expected) return;
  throw new DataFileError(
    'record-count',
    file,
    `${source.title} file ${file}: holds ${found.toLocaleString('en-US')} records, but each official ${split} file ` +
      `holds ${expected.toLocaleString('en-US')}; it is ${found < expected ? 'truncated (cut at a record boundary)' : 'longer than the official file'} ` +
      `or not an official ${source.title} file. Download it again (the official ${source.archive}, ${source.url}, MD5 ${source.md5}). ` +
      'To load a custom subset stored under the official file names, pass checkRecordCounts: false.',
  );
}
