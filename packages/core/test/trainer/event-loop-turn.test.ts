import { afterEach, describe, expect, it, vi } from 'vitest';
import { eventLoopTurn, EventLoopTurns } from '../../src/training/event-loop-turn';

/** Schedules a 0 ms timer and keeps the thread until it is due (Node runs it 1 ms later at the soonest). */
function dueTimer(): { fired: () => boolean } {
  let fired = false;
  setTimeout(() => {
    fired = true;
  }, 0);
  const until = performance.now() + 3;
  while (performance.now() < until) {
    // busy, as a training step is
  }
  return { fired: () => fired };
}

describe('event loop turns', () => {
  afterEach(() => {
    vi.unstubAllGlobals();
    vi.restoreAllMocks();
  });

  it('in Node, a turn runs the timers (and so the signal handlers) that are due', async () => {
    const timer = dueTimer();
    await Promise.resolve();
    expect(timer.fired()).toBe(false); // microtasks alone do not run it
    await eventLoopTurn();
    expect(timer.fired()).toBe(true);
  });

  it('without setImmediate (browsers) a MessageChannel task, without either setTimeout', async () => {
    vi.stubGlobal('setImmediate', undefined);
    const timeout = vi.spyOn(globalThis, 'setTimeout');
    const posted = vi.spyOn(MessagePort.prototype, 'postMessage');
    await eventLoopTurn();
    expect(posted).toHaveBeenCalledTimes(1);
    expect(timeout).not.toHaveBeenCalled();
    vi.stubGlobal('MessageChannel', undefined);
    await eventLoopTurn();
    expect(timeout).toHaveBeenCalledTimes(1);
  });

  it('EventLoopTurns gives a turn only once its interval has passed', async () => {
    const rare = new EventLoopTurns(60_000);
    const early = dueTimer();
    await rare.maybeYield();
    expect(early.fired()).toBe(false);
    await eventLoopTurn(); // let it run before the next check
    const always = new EventLoopTurns(0);
    const timer = dueTimer();
    await always.maybeYield();
    expect(timer.fired()).toBe(true);
  });
});
