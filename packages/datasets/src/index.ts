/**
 * @packageDocumentation
 * `@ait/datasets`: the Triangle, Sort-of-CLEVR and oriented-bars generators, loaders for
 * MNIST-format IDX files, CIFAR-10/100 binaries and image folders, and a pipeline (shuffling,
 * batching, augmentation, normalisation) that turns any data set into a `BatchSource` for the
 * `@ait/core` Trainer.
 *
 * This is the Node entry (chosen by Node's `import` / `require` conditions): everything in the
 * browser entry (`browser.ts`: generators, in-memory data sets, byte-level parsers, the
 * pipeline) plus the modules that need Node: file loaders, synthetic-set writers and readers,
 * the CIFAR download, gzip / tar reading and PNG / JPEG decoding. Bundlers targeting browsers
 * get `browser.ts` instead.
 */
export * from './browser';

export * from './synthetic/triangle-files';
export * from './synthetic/sort-of-clevr-files';
export * from './synthetic/synthetic-manifest-file';
export * from './synthetic/open-synthetic-set';

export * from './formats/idx-file';
export * from './formats/idx-writer';
export * from './formats/tar-archive';
export * from './formats/image-dimensions';
export * from './formats/image-pixel-limit';
export * from './formats/image-decode';

export * from './loaders/idx-dataset';
export * from './loaders/mnist-format';
export * from './loaders/mnist';
export * from './loaders/fashion-mnist';
export * from './loaders/data-directory';
export * from './loaders/cifar-download';
export * from './loaders/cifar';
export * from './loaders/image-folder';
export * from './loaders/load-dataset';
