/**
 * @packageDocumentation
 * `@ait/datasets`: the Triangle and Sort-of-CLEVR generators of the AiT paper, loaders for
 * MNIST-format IDX files, CIFAR-10/100 binaries and image folders, and a pipeline (shuffling,
 * batching, augmentation, normalisation) that turns any data set into a `BatchSource` for the
 * `@ait/core` Trainer.
 */
export * from './dataset/dataset';
export * from './dataset/array-dataset';
export * from './dataset/dataset-samples';
export * from './dataset/normalization-stats';

export { type SyntheticSplit, exampleRng } from './synthetic/synthetic-options';
export * from './synthetic/triangle';
export * from './synthetic/triangle-dataset';
export * from './synthetic/triangle-files';
export * from './synthetic/sort-of-clevr-scene';
export * from './synthetic/sort-of-clevr-questions';
export * from './synthetic/sort-of-clevr-dataset';
export * from './synthetic/sort-of-clevr-files';
export * from './synthetic/synthetic-manifest';
export * from './synthetic/open-synthetic-set';

export * from './formats/idx-format';
export * from './formats/idx-file';
export * from './formats/idx-writer';
export * from './formats/cifar-format';
export * from './formats/tar-archive';
export * from './formats/image-decode';
export * from './formats/resize-bilinear';

export { type LoadMode } from './loaders/load-mode';
export * from './loaders/idx-dataset';
export * from './loaders/mnist-format';
export * from './loaders/mnist';
export * from './loaders/fashion-mnist';
export * from './loaders/cifar-files';
export * from './loaders/cifar-label-names';
export * from './loaders/cifar-download';
export * from './loaders/cifar';
export * from './loaders/image-folder';
export * from './loaders/load-dataset';

export * from './pipeline/augmentation';
export * from './pipeline/shuffle-buffer';
export * from './pipeline/batch-assembly';
export * from './pipeline/dataset-batch-source';
