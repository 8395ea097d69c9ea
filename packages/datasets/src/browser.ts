/**
 * @packageDocumentation
 * `@ait/datasets` in a browser: the Triangle, Sort-of-CLEVR and oriented-bars generators, data
 * sets held in memory, byte-level format parsers (IDX, CIFAR), image resizing, the data set
 * registry (`DATASET_REGISTRY`: every named data set's facts) and the pipeline (shuffling,
 * batching, augmentation, normalisation) that turns any data set into a `BatchSource` for the
 * `@ait/core` Trainer.
 *
 * This is the browser entry (chosen by bundlers through the package.json `browser` export
 * condition): no module it imports uses a Node built-in or a Node-only package. The file
 * loaders, writers and downloads (MNIST, Fashion-MNIST, CIFAR, image folders, synthetic sets on
 * disk) are in the Node entry only; in a browser, fetch the bytes yourself, decode them with
 * `decodeIdx` or `parseCifarRecords` and wrap them with `arrayDataset`.
 */
export * from './dataset/dataset';
export * from './dataset/sample-grouping';
export * from './dataset/example-groupings';
export * from './dataset/array-dataset';
export * from './dataset/dataset-samples';
export * from './dataset/normalization-stats';
export * from './dataset/imagenet-normalization';

export { type SyntheticSplit, exampleRng } from './synthetic/synthetic-options';
export * from './synthetic/triangle';
export * from './synthetic/triangle-dataset';
export * from './synthetic/sort-of-clevr-scene';
export * from './synthetic/sort-of-clevr-questions';
export * from './synthetic/sort-of-clevr-dataset';
export * from './synthetic/sort-of-clevr-groups';
export * from './synthetic/oriented-bars';
export * from './synthetic/oriented-bars-dataset';
export * from './synthetic/synthetic-manifest';

export * from './formats/data-file-error';
export * from './formats/idx-format';
export * from './formats/cifar-format';
export * from './formats/image-format';
export * from './formats/rgba-to-channels';
export * from './formats/resize-bilinear';

export { type LoadMode } from './loaders/load-mode';
export * from './loaders/mnist-info';
export * from './loaders/fashion-mnist-info';
export * from './loaders/cifar-sources';
export * from './loaders/cifar-record-count';
export * from './loaders/cifar-label-names';
export * from './loaders/cifar-normalization';

export * from './registry/dataset-entry';
export * from './registry/dataset-registry';
export * from './registry/dataset-names';

export * from './pipeline/augmentation';
export * from './pipeline/augmentation-safety';
export * from './pipeline/shuffle-buffer';
export * from './pipeline/batch-assembly';
export * from './pipeline/dataset-batch-source';
