// Types of `@ait/vision/pretrained/<name>` inside this repository (src/ imports the weight modules by
// that name): the build writes each module to dist/pretrained/<name>.cjs from <name>.safetensors here.
/** The model's safetensors file, base64-encoded. */
declare const weights: string;
export default weights;
