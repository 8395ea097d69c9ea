// The playground's trainer side: answers the page's messages (protocol.ts) and runs the training
// loop of the current session, posting losses (at most 4 times a second), test accuracy and maps.
// The worker (playground-worker.ts) runs it; a browser without workers runs it on the page.
import {
  disposeCheckpoint,
  encodeCheckpoint,
  initBackend,
  loadCheckpoint,
  readCheckpointFile,
  saveCheckpoint,
  type BackendChoice,
} from '@ait/core';
import { presetDefaults } from './fit-model-to-data';
import type { FromWorker, ToWorker } from './protocol';
import type { PlaygroundSettings } from './setups';
import { TrainingSession } from './training-session';

/** Sends a message to the page, transferring the listed buffers. */
export type PostToPage = (message: FromWorker, transfer?: Transferable[]) => void;

/** How often the loop posts the losses of the steps since its last post. */
const POST_EVERY_MS = 250;

/** The IndexedDB key of a model and data set's checkpoint. */
export const indexedDbPath = (s: PlaygroundSettings): string => `playground/${s.model}-${s.dataset}.ckpt`;

/** Lets queued messages (pause, learning rate, checkpoints) run between two steps. */
function yieldToMessages(): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, 0));
}

/**
 * Creates the trainer side of the playground and posts the presets' defaults. `backend` is what
 * `initBackend` is asked for (`auto` in the worker; `cpu` on a page without workers). Returns the
 * handler of the page's messages; its errors are posted as `error` messages.
 */
export function createPlaygroundEngine(post: PostToPage, backend: BackendChoice = 'auto'): (message: ToWorker) => void {
  let session: TrainingSession | undefined;
  let paused = false;
  let wake: (() => void) | undefined;
  let backendReady: Promise<string> | undefined;
  // training steps, evaluations and checkpoint work take turns (a restore never lands inside a step)
  let turn: Promise<unknown> = Promise.resolve();
  const serial = <T>(work: () => Promise<T>): Promise<T> => {
    const run = turn.then(work);
    turn = run.catch(() => undefined);
    return run;
  };
  const fail = (err: unknown): void => post({ type: 'error', message: err instanceof Error ? err.message : String(err) });

  async function evaluate(s: TrainingSession): Promise<void> {
    const metrics = await s.evaluate();
    if (session !== s) return;
    post({ type: 'eval', step: s.step, ...metrics });
    const maps = await s.maps();
    if (session !== s) return;
    const buffers = [
      ...maps.samples.flatMap((v) => [v.pixels.buffer, ...(v.gates ? [v.gates.values.buffer] : [])]),
      ...maps.panels.map((p) => p.map.values.buffer),
    ];
    post({ type: 'maps', maps }, [...new Set(buffers)] as Transferable[]);
  }

  async function trainLoop(s: TrainingSession): Promise<void> {
    let pending: { step: number; loss: number }[] = [];
    let images = 0;
    let lastPost = performance.now();
    const flush = (): void => {
      const now = performance.now();
      post({ type: 'steps', steps: pending, imagesPerSecond: now > lastPost ? (images * 1000) / (now - lastPost) : 0 });
      pending = [];
      images = 0;
      lastPost = now;
    };
    await serial(() => evaluate(s));
    const limit = s.settings.maxSteps;
    while (session === s) {
      while (paused && session === s) {
        if (pending.length > 0) flush();
        post({ type: 'paused', step: s.step });
        await new Promise<void>((resolve) => (wake = resolve));
        lastPost = performance.now();
      }
      if (session !== s) return;
      const finished = await serial(async () => {
        const { loss, images: n } = await s.trainStep();
        pending.push({ step: s.step, loss });
        images += n;
        if (performance.now() - lastPost > POST_EVERY_MS) flush();
        const atLimit = limit > 0 && s.step === limit;
        if (atLimit || s.step % s.settings.evalEvery === 0) {
          if (pending.length > 0) flush();
          await evaluate(s);
          // images per second count training only
          lastPost = performance.now();
          images = 0;
        }
        return atLimit;
      });
      if (finished && session === s) {
        post({ type: 'finished', step: s.step });
        paused = true;
      }
      await yieldToMessages();
    }
  }

  /** Runs `use` on a checkpoint of the current session and disposes the checkpoint. */
  async function withCapture<T>(s: TrainingSession, use: (contents: ReturnType<TrainingSession['capture']>) => Promise<T>): Promise<T> {
    const contents = s.capture();
    try {
      return await use(contents);
    } finally {
      disposeCheckpoint(contents);
    }
  }

  /** Restores a checkpoint into the current session, disposes it, and shows the restored model. */
  async function restoreFrom(s: TrainingSession, contents: Parameters<TrainingSession['restore']>[0], from: string): Promise<void> {
    try {
      s.restore(contents);
    } finally {
      disposeCheckpoint(contents);
    }
    post({ type: 'checkpoint', what: `loaded step ${s.step} from ${from}`, step: s.step });
    post({ type: 'steps', steps: [], imagesPerSecond: 0 });
    await evaluate(s);
  }

  async function handle(message: ToWorker): Promise<void> {
    switch (message.type) {
      case 'start': {
        backendReady ??= initBackend({ backend, wasmPaths: message.wasmPaths }).then((info) => info.summary);
        const summary = await backendReady;
        // the previous run's loop sees that it is no longer current, ends and disposes its session
        session = undefined;
        paused = false;
        wake?.();
        const s = TrainingSession.create(message.settings);
        session = s;
        post({
          type: 'ready',
          backend: summary,
          parameters: s.parameters,
          trainSize: s.settings.trainSize,
          testSize: s.settings.testSize,
          stepsPerEpoch: s.stepsPerEpoch,
        });
        void trainLoop(s)
          .catch((err: unknown) => {
            if (session !== s) return;
            // the run cannot go on (e.g. a non-finite loss): it ends here, the page offers a reset
            session = undefined;
            post({ type: 'error', message: err instanceof Error ? err.message : String(err), stopped: true });
          })
          .finally(() => void serial(async () => s.dispose()));
        return;
      }
      case 'pause':
        paused = true;
        return;
      case 'resume':
        paused = false;
        wake?.();
        return;
      case 'learning-rate':
        session?.setPeakLearningRate(message.value);
        return;
      case 'save-indexeddb': {
        const s = session;
        if (!s) return;
        const saved = await serial(() => withCapture(s, (contents) => saveCheckpoint(indexedDbPath(s.settings), contents)));
        post({
          type: 'checkpoint',
          what: `saved step ${s.step} to IndexedDB (${indexedDbPath(s.settings)}, ${Math.round(saved.bytes / 1024)} KiB)`,
          step: s.step,
        });
        return;
      }
      case 'load-indexeddb': {
        const s = session;
        if (!s) return;
        await serial(async () => restoreFrom(s, await loadCheckpoint(indexedDbPath(s.settings)), 'IndexedDB'));
        return;
      }
      case 'export': {
        const s = session;
        if (!s) return;
        const bytes = await serial(() => withCapture(s, (contents) => encodeCheckpoint(contents)));
        const buffer = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
        post({ type: 'exported', bytes: buffer, name: `${s.settings.model}-${s.settings.dataset}-step${s.step}.ckpt` }, [buffer]);
        return;
      }
      case 'import': {
        const s = session;
        if (!s) return;
        const name = message.file.name ?? 'picked file';
        await serial(async () => restoreFrom(s, await readCheckpointFile(message.file), name));
        return;
      }
    }
  }

  // the controls' defaults come from the registry, which lives on this side
  queueMicrotask(() => {
    try {
      post({ type: 'presets', presets: presetDefaults() });
    } catch (err) {
      fail(err);
    }
  });
  return (message) => {
    handle(message).catch(fail);
  };
}
