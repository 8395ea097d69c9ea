// Public exports of src/checkpoint; one line per concept file.
export * from './checkpoint-error';
export * from './checkpoint-contents';
export * from './checkpoint-format';
export * from './encode-checkpoint';
export * from './decode-checkpoint';
export * from './save-checkpoint';
export * from './load-checkpoint';
export * from './named-weights';
export * from './capture-checkpoint';
export * from './restore-checkpoint';
export * from './checkpoint-directory';
export * from './checkpoint-store';
export * from './indexeddb-checkpoint-store';
export * from './checkpoint-file-transfer';
