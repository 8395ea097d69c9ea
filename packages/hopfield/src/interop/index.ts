// Public exports of src/interop: weight maps between @ait/hopfield's layers and ml-jku's PyTorch hflayers.
export * from './hflayers-error';
export * from './hflayers-kwargs';
export * from './hflayers-dimensions';
export {
  aitjsArgsFromHflayers,
  equivalenceIssues,
  HFLAYERS_ACTIVATIONS,
  hflayersKwargsFor,
  hflayersModuleOf,
  type AitjsArgsOf,
  type AitjsFromHflayers,
  type HflayersFromAitjs,
  type HflayersMappedLayer,
} from './hflayers-config-map';
export * from './hflayers-weight-map';
export * from './hflayers-weight-rename';
export * from './hflayers-python-call';
export * from './hflayers-safetensors';
