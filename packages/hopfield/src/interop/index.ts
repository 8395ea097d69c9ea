// Public exports of src/interop: weight maps between @ait/hopfield's layers and ml-jku's PyTorch hflayers.
export * from './hflayers-error';
export * from './hflayers-kwargs';
export * from './hflayers-dimensions';
export { aitjsArgsFromHflayers, hflayersKwargsFor, type HflayersFromAitjs } from './hflayers-config-map';
export {
  HFLAYERS_ACTIVATIONS,
  hflayersModuleOf,
  type AitjsArgsOf,
  type AitjsFromHflayers,
  type HflayersMappedLayer,
} from './hflayers-mapped-layer';
export { equivalenceIssues } from './hflayers-equivalence';
export * from './hflayers-weight-map';
export * from './hflayers-weight-rename';
export * from './hflayers-python-call';
export * from './hflayers-safetensors';
