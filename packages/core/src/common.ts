// Everything @ait/core exports in Node and in browsers alike; index.ts (the Node entry) and
// browser.ts (the browser entry) each add what only their platform has and install it.
export * from './backend/backend-choice';
export * from './backend/init-backend';
export * from './backend/host-values';
export * from './backend/device-failure';
export * from './config/validate-config';
export * from './random/seeded-random';
export * from './ops/index';
export * from './layers/index';
export * from './training/index';
export * from './checkpoint/index';
export * from './summary/index';
export * from './kernels/index';
export * from './benchmarks/index';
export * from './interop/index';
export {
  runtimePlatform,
  WASM_BINARY_NAMES,
  type WasmBinaryName,
  type RuntimePlatform,
  type NativeBackendLoad,
  type WebGpuLoad,
  type WebGpuAdapterProbe,
  type WasmRevectorize,
} from './platform/runtime-platform';
export type {
  WebGpuAdapter,
  WebGpuAdapterInfo,
  WebGpuAdapterOptions,
  WebGpuDevice,
  WebGpuDeviceLostInfo,
  WebGpuEntry,
} from './webgpu/webgpu-types';
export type { GemmWorkerData, StartGemmWorker } from './kernels/wasm/gemm-worker';
export type { SimdKernels } from './kernels/wasm/simd-module';
