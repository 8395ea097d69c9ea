// Public exports of src/training; one line per concept file.
export * from './forward-context';
export * from './collect-aux-losses';
export * from './parameter-ref';
export * from './adamw';
export * from './lr-schedule';
export * from './clip-grad-norm';
export * from './losses';
export * from './metrics';
export * from './batch-source';
export * from './non-finite-loss-error';
export * from './loss-explosion-error';
export * from './loss-watch';
export * from './abandoned-tape';
export * from './train-step';
export * from './evaluate';
export * from './callbacks';
export * from './trainer';
