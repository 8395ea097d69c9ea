// Public exports of src/pretrained: the models shipped with weights, loadable by name.
export * from './pretrained-error';
export * from './pretrained-manifest';
export { listPretrained, type PretrainedFilter } from './shipped-pretrained';
export * from './load-pretrained-model';
