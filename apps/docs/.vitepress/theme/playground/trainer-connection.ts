// The page's line to the playground's trainer: a module web worker where the browser has them;
// otherwise the same engine loaded into the page on the plain-JavaScript (cpu) backend.
import type { FromWorker, ToWorker } from './protocol';

/** Sends the trainer messages; `inPage` says the training runs on the page's own thread. */
export interface TrainerConnection {
  readonly inPage: boolean;
  send(message: ToWorker, transfer?: Transferable[]): void;
  close(): void;
}

/**
 * Starts the trainer and routes its messages to `onMessage`. With web workers: a module worker
 * (`onFailure` gets the message of a worker that fails to load or crashes). Without: the engine
 * runs on this page with the cpu backend (slow, and the page may stutter while it trains).
 */
export async function connectTrainer(
  onMessage: (message: FromWorker) => void,
  onFailure: (message: string) => void,
): Promise<TrainerConnection> {
  if (typeof Worker !== 'undefined') {
    const worker = new Worker(new URL('./playground-worker.ts', import.meta.url), { type: 'module', name: 'ait-playground' });
    worker.onmessage = (event: MessageEvent<FromWorker>) => onMessage(event.data);
    worker.onerror = (event) => onFailure(`The training worker failed: ${event.message || 'it could not be loaded'}`);
    return { inPage: false, send: (message, transfer = []) => worker.postMessage(message, transfer), close: () => worker.terminate() };
  }
  const { createPlaygroundEngine } = await import('./playground-engine');
  let open = true;
  // deliver asynchronously, as a worker would, so that the page's handlers never run inside the engine's
  const handle = createPlaygroundEngine((message) => {
    if (open) setTimeout(() => onMessage(message), 0);
  }, 'cpu');
  return {
    inPage: true,
    send: (message) => handle(message),
    close: () => {
      open = false;
      handle({ type: 'pause' });
    },
  };
}
