import cliProgress from 'cli-progress';
import type { CliIo } from './cli-io';
import { formatDuration } from './output';

/** What the training command tells its progress display. */
export interface ProgressReporter {
  /** An epoch starts (1-based `epoch` of `epochs`) with `batches` steps, `done` of which are already done (resume). */
  epochBegin(epoch: number, epochs: number, batches: number, done: number): void;
  /**
   * A step ended: `done` steps of this epoch, its task loss, images per second so far, and its
   * auxiliary loss (shown beside the task loss when not 0).
   */
  step(done: number, loss: number, imagesPerSecond: number, auxLoss?: number): void;
  /** The epoch ended: one line with its metrics. */
  epochEnd(line: string): void;
  /** Removes any bar from the screen. */
  stop(): void;
}

/** `0.5000`, or `0.5000 aux 1.9100` with an auxiliary loss. */
function lossText(loss: number, auxLoss: number | undefined): string {
  return `${loss.toFixed(4)}${auxLoss !== undefined && auxLoss !== 0 && Number.isFinite(auxLoss) ? ` aux ${auxLoss.toFixed(4)}` : ''}`;
}

/**
 * Progress bars with loss, images per second and time left on a terminal (`io.isTTY`), and plain
 * periodic lines (about ten per epoch, plus every `intervalSeconds`) when the output is not a
 * terminal (CI, pipes). Both write to stderr, so stdout stays clean for `--json`.
 */
export function createProgressReporter(io: CliIo, options: { quiet?: boolean; intervalSeconds?: number } = {}): ProgressReporter {
  if (options.quiet) {
    return { epochBegin: () => undefined, step: () => undefined, epochEnd: () => undefined, stop: () => undefined };
  }
  if (io.isTTY) return barReporter(io);
  return lineReporter(io, options.intervalSeconds ?? 30);
}

function barReporter(io: CliIo): ProgressReporter {
  let bar: cliProgress.SingleBar | undefined;
  const stopBar = (): void => {
    bar?.stop();
    bar = undefined;
  };
  return {
    epochBegin(epoch, epochs, batches, done) {
      stopBar();
      bar = new cliProgress.SingleBar(
        {
          format: `epoch ${epoch}/${epochs} {bar} {value}/{total} | loss {loss} | {ips} img/s | left {eta_formatted}`,
          stream: io.progressStream ?? process.stderr,
          hideCursor: true,
          clearOnComplete: true,
          etaBuffer: 20,
        },
        cliProgress.Presets.shades_classic,
      );
      bar.start(batches, done, { loss: '-', ips: '-' });
    },
    step(done, loss, ips, auxLoss) {
      bar?.update(done, { loss: lossText(loss, auxLoss), ips: ips.toFixed(1) });
    },
    epochEnd(line) {
      stopBar();
      io.stderr(`${line}\n`);
    },
    stop: stopBar,
  };
}

function lineReporter(io: CliIo, intervalSeconds: number): ProgressReporter {
  let epochText = '';
  let total = 0;
  let every = 1;
  let started = 0;
  let startDone = 0;
  let lastPrint = 0;
  return {
    epochBegin(epoch, epochs, batches, done) {
      epochText = `epoch ${epoch}/${epochs}`;
      total = batches;
      every = Math.max(1, Math.ceil(batches / 10));
      started = performance.now();
      startDone = done;
      lastPrint = started;
    },
    step(done, loss, ips, auxLoss) {
      const now = performance.now();
      if (done % every !== 0 && done !== total && now - lastPrint < intervalSeconds * 1000) return;
      lastPrint = now;
      const rate = (done - startDone) / Math.max(1e-9, (now - started) / 1000);
      const left = rate > 0 ? (total - done) / rate : Number.NaN;
      io.stderr(
        `${epochText} step ${done}/${total} loss ${lossText(loss, auxLoss)} ${ips.toFixed(1)} img/s left ${formatDuration(left)}\n`,
      );
    },
    epochEnd(line) {
      io.stderr(`${line}\n`);
    },
    stop: () => undefined,
  };
}
