import { reportDeviceFailure } from '../backend/device-failure';
import type { WebGpuDevice, WebGpuDeviceLostInfo } from './webgpu-types';

const watched = new WeakSet<object>();

/**
 * Whether a loss is the page or process shutting down rather than a failure: Dawn loses every
 * device with reason `unknown` and "A valid external Instance reference no longer exists" when
 * its WebGPU instance is released (a page unloading, a Node process exiting).
 */
function isShutdown(info: WebGpuDeviceLostInfo): boolean {
  return /external Instance reference no longer exists/i.test(info.message);
}

/** The message logged when the device is lost for another reason than `destroy()`. */
export function deviceLostMessage(info: WebGpuDeviceLostInfo): string {
  return (
    `@ait/core: the WebGPU device was lost (${info.reason}: ${info.message.trim() || 'no details'}). ` +
    'Every tensor on the GPU is gone and further GPU work fails or gives wrong values. If the GPU ran out of ' +
    'memory, reduce the batch size or the model size; otherwise (driver reset, GPU removed, sleep) restart the ' +
    'process. Resume from the last checkpoint (Trainer checkpoint.everySteps / everyEpoch, Trainer.resume).'
  );
}

/** The message logged once when WebGPU reports an error no one caught (out of memory, validation). */
export function uncapturedErrorMessage(kind: string, message: string): string {
  const firstLine = message.trim().split('\n')[0] ?? '';
  if (kind === 'GPUOutOfMemoryError') {
    return (
      `@ait/core: WebGPU ran out of GPU memory (${firstLine}). Values computed from now on are wrong: stop, reduce ` +
      'the batch size or the model size (or use backend "wasm"), and resume from the last checkpoint.'
    );
  }
  return `@ait/core: WebGPU reported an error that tfjs-backend-webgpu did not catch (${kind}: ${firstLine}); values computed from now on may be wrong.`;
}

/**
 * Watches the device tfjs-backend-webgpu computes on: logs a clear message, once, when it is
 * lost for another reason than `destroy()` or shutdown (see {@link deviceLostMessage}) and when WebGPU
 * reports an uncaught error such as running out of memory (see {@link uncapturedErrorMessage}).
 * tfjs-backend-webgpu itself ignores both. A loss and running out of memory are also recorded as
 * a failure of the `webgpu` backend's device (`deviceFailure()`), which stops the Trainer before
 * it writes a checkpoint from wrong values. Idempotent per device.
 */
export function watchWebGpuDevice(device: WebGpuDevice, log: (message: string) => void = console.error): void {
  if (watched.has(device)) return;
  watched.add(device);
  void device.lost.then((info) => {
    if (info.reason === 'destroyed' || isShutdown(info)) return;
    reportDeviceFailure({ backend: 'webgpu', kind: 'lost', detail: `${info.reason}: ${info.message.trim() || 'no details'}` });
    log(deviceLostMessage(info));
  });
  let reported = false;
  device.addEventListener?.('uncapturederror', (event) => {
    const kind = event.error.constructor.name;
    if (kind === 'GPUOutOfMemoryError') {
      reportDeviceFailure({ backend: 'webgpu', kind: 'out-of-memory', detail: event.error.message.trim().split('\n')[0] ?? '' });
    }
    if (reported) return;
    reported = true;
    log(uncapturedErrorMessage(kind, event.error.message));
  });
}
