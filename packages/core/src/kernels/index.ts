export * from './register-fast-kernels';
export * from './fused-layer-norm';
export * from './gelu';
export * from './softmax-cross-entropy';
export * from './fused-attention';
export { relaxedSimdSupported, setSimdKernelBuild, simdKernelBuild, type SimdKernelBuild } from './simd-module';
export { setSimdGemmTile, simdGemmTile, wasmRevectorize, type SimdGemmTile } from './gemm-tile';
