// The playground's web worker: it trains (playground-engine.ts) so that the page only draws.
import { createPlaygroundEngine } from './playground-engine';
import type { ToWorker } from './protocol';

const scope = self as unknown as {
  postMessage(message: unknown, transfer: Transferable[]): void;
  onmessage: ((event: MessageEvent<ToWorker>) => void) | null;
};
const handle = createPlaygroundEngine((message, transfer = []) => scope.postMessage(message, transfer), 'auto');
scope.onmessage = (event) => handle(event.data);
