// Public exports of src/patterns; one line per concept file.
export * from './random-patterns';
export * from './corrupt-patterns';
