/**
 * What is wrong with a data file, for callers that react differently (e.g. re-download a
 * `truncated` file, but report a `missing` one with where to put it).
 *
 * - `missing`: the file (or archive member) is not there.
 * - `unreadable`: it exists but cannot be opened or read (permissions, a folder, an I/O error).
 * - `truncated`: it ends before the data its header or format announces.
 * - `trailing-bytes`: it holds more bytes than its header announces.
 * - `bad-magic`: its first bytes are not those of the expected format.
 * - `bad-header`: the header is readable but impossible (zero-sized records, sizes beyond any file).
 * - `corrupt`: the bytes cannot be decoded (a damaged gzip stream, tar archive, PNG or JPEG).
 * - `wrong-format`: a valid file of another kind than expected (e.g. a CIFAR-100 file for CIFAR-10).
 * - `mismatch`: two files that belong together disagree (image and label counts, image size).
 * - `label-out-of-range`: a label is not a class of the data set.
 * - `record-count`: an official file holds another number of records than the official one.
 * - `too-large`: an image claims more pixels than the configured limit allows.
 */
export type DataFileErrorKind =
  | 'missing'
  | 'unreadable'
  | 'truncated'
  | 'trailing-bytes'
  | 'bad-magic'
  | 'bad-header'
  | 'corrupt'
  | 'wrong-format'
  | 'mismatch'
  | 'label-out-of-range'
  | 'record-count'
  | 'too-large';

/**
 * Thrown for every problem with a data file that a reader or loader of this package meets: a
 * missing, unreadable, truncated, corrupt, forged or mismatched IDX, CIFAR, gzip, tar, PNG or JPEG
 * file. The message names the file, what is wrong and what to do about it; `kind` says the same
 * for programs and `file` names the file (`archive:member` for a file inside an archive).
 */
export class DataFileError extends Error {
  override readonly name = 'DataFileError';

  /**
   * @param kind machine-readable category of the problem.
   * @param file the file concerned (`archive:member` inside an archive).
   * @param message full human-readable message (already names the file and the fix).
   */
  constructor(
    readonly kind: DataFileErrorKind,
    readonly file: string,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}
