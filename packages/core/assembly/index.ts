// Entry of @ait/core's WebAssembly SIMD kernels, written in AssemblyScript: scripts/build-simd.mjs
// compiles it into generated/simd-kernels-wasm.ts; one file per kind of kernel. The module
// imports the memory of tfjs-backend-wasm, so every pointer is a byte offset of a tensor on that
// heap; the kernels allocate nothing and keep no state. Float32 throughout; every function
// handles any length (a scalar loop finishes what the 4-lane loop leaves).

export { expForward } from './exp';
export { erfForward, geluForward, geluForwardWithSlope } from './gelu';
export { layerNormBackward, layerNormForward } from './layer-norm';
export { sumRows } from './sum-rows';
export { transposeBatched } from './transpose';
export { gemm } from './gemm';
export { gemmWide } from './gemm-wide';
export { copyRows } from './copy-rows';
export { maxPoolGradNonOverlapping } from './max-pool-grad';
export { maxPoolNonOverlapping } from './max-pool';
export { elementwise } from './elementwise';
export { im2col } from './im2col';
