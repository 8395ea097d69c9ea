/**
 * Lets a long synchronous-looking loop (training steps on the CPU or WASM backends, whose reads
 * resolve as microtasks) give the host's event loop a turn now and then, so that what waits for
 * it can run: a Ctrl-C handler (`process.on('SIGINT')`), timers, I/O callbacks, a browser's
 * clicks and repaints. Without a turn, a stop requested from any of them is seen only when the
 * loop itself next waits for I/O (a checkpoint write at the end of an epoch).
 */
export class EventLoopTurns {
  private last = performance.now();

  /** @param everyMs the longest time, in milliseconds, between two turns (the turns cost little, not nothing). */
  constructor(private readonly everyMs = 50) {}

  /** Gives the event loop a turn if `everyMs` have passed since the last one; otherwise returns at once. */
  async maybeYield(): Promise<void> {
    if (performance.now() - this.last < this.everyMs) return;
    await eventLoopTurn();
    this.last = performance.now();
  }
}

/** The part of a browser's `MessagePort` that {@link eventLoopTurn} uses. */
interface BrowserPort {
  onmessage: (() => void) | null;
  postMessage(message: unknown): void;
  close(): void;
}

/**
 * Resolves after a whole turn of the event loop. In Node, two `setImmediate` callbacks: the first
 * may run in the loop phase already under way, the second only after the next pass through
 * timers and polling (where pending signals and I/O are handled). In browsers and workers, a
 * `MessageChannel` message: a task of its own, which background tabs do not delay as they delay
 * `setTimeout` (to once a second or less). `setTimeout(0)` where neither exists.
 */
export async function eventLoopTurn(): Promise<void> {
  const immediate = (globalThis as { setImmediate?: (callback: () => void) => unknown }).setImmediate;
  if (typeof immediate === 'function') {
    for (let i = 0; i < 2; i += 1) await new Promise<void>((resolve) => immediate(resolve));
    return;
  }
  if (typeof MessageChannel === 'function') {
    return new Promise((resolve) => {
      // the browser's port (Node's typings describe worker_threads' port, without `onmessage`)
      const channel = new MessageChannel() as unknown as { port1: BrowserPort; port2: BrowserPort };
      channel.port1.onmessage = () => {
        channel.port1.close();
        resolve();
      };
      channel.port2.postMessage(null);
    });
  }
  return new Promise((resolve) => setTimeout(resolve, 0));
}
