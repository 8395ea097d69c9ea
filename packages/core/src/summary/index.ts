// Public exports of src/summary; one line per concept file.
export * from './parameter-count';
export * from './model-summary';
