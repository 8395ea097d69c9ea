// Public exports of src/training; one line per concept file.
export * from './forward-context';
export * from './parameter-ref';
export * from './adamw';
export * from './lr-schedule';
export * from './clip-grad-norm';
export * from './losses';
export * from './metrics';
