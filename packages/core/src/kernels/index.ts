export * from './register-fast-kernels';
export { FAST_KERNELS, type FastKernelBackend, type FastKernelInfo, type FastKernelMode } from './fast-kernel-table';
export * from './fused/fused-layer-norm';
export * from './fused/gelu';
export * from './fused/softmax-cross-entropy';
export * from './fused/fused-attention';
export { relaxedSimdSupported, setSimdKernelBuild, simdKernelBuild, type SimdKernelBuild } from './wasm/simd-module';
export { setSimdGemmTile, simdGemmTile, wasmRevectorize, type SimdGemmTile } from './wasm/gemm-tile';
