import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { captureIo } from '../src/index';
import { createProgressReporter } from '../src/util/progress-reporter';

class FakeTerminal extends Writable {
  readonly isTTY = true;
  readonly columns = 120;
  text = '';
  override _write(chunk: Buffer, _enc: BufferEncoding, done: () => void): void {
    this.text += chunk.toString();
    done();
  }
  cursorTo(_x: number, _y?: number, cb?: () => void): boolean {
    cb?.();
    return true;
  }
  clearLine(_dir: number, cb?: () => void): boolean {
    cb?.();
    return true;
  }
  moveCursor(_dx: number, _dy: number, cb?: () => void): boolean {
    cb?.();
    return true;
  }
}

describe('progress output', () => {
  it('draws a bar with loss, images per second and time left on a terminal', () => {
    const term = new FakeTerminal();
    const io = { ...captureIo(), isTTY: true, progressStream: term };
    const p = createProgressReporter(io);
    p.epochBegin(1, 3, 10, 0);
    p.step(4, 0.5, 123.4);
    p.stop();
    expect(term.text).toMatch(/epoch 1\/3 .* 4\/10 \| loss 0\.5000 \| 123\.4 img\/s \| left /);
    // an auxiliary loss (AiT's balance loss) is shown beside the task loss
    const auxTerm = new FakeTerminal();
    const withAux = createProgressReporter({ ...captureIo(), isTTY: true, progressStream: auxTerm });
    withAux.epochBegin(1, 3, 10, 0);
    withAux.step(5, 0.5, 123.4, 1.91);
    withAux.stop();
    expect(auxTerm.text).toMatch(/5\/10 \| loss 0\.5000 aux 1\.9100 \| 123\.4 img\/s/);
  });

  it('prints about ten plain lines per epoch when not on a terminal', () => {
    const io = captureIo();
    const p = createProgressReporter(io, { intervalSeconds: 1e9 });
    p.epochBegin(2, 5, 40, 0);
    for (let s = 1; s <= 40; s++) p.step(s, 1 / s, 50, s === 40 ? 2 : 0);
    p.epochEnd('epoch 2/5 done');
    const lines = io.err.join('').trim().split('\n');
    expect(lines).toHaveLength(11);
    expect(lines[0]).toMatch(/^epoch 2\/5 step 4\/40 loss 0\.2500 50\.0 img\/s left \d/);
    expect(lines[9]).toMatch(/^epoch 2\/5 step 40\/40 loss 0\.0250 aux 2\.0000 50\.0 img\/s left 0\.0 s$/);
    expect(lines[10]).toBe('epoch 2/5 done');
  });

  it('is silent when quiet', () => {
    const io = captureIo();
    const p = createProgressReporter(io, { quiet: true });
    p.epochBegin(1, 1, 2, 0);
    p.step(1, 1, 1);
    p.epochEnd('x');
    expect(io.err).toEqual([]);
  });
});
