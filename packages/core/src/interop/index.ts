// Public exports of src/interop (browser-safe: in-memory safetensors); the Node entry adds
// node-safetensors-file.ts.
export * from './safetensors-error';
export * from './safetensors-format';
export * from './safetensors-weights';
