// Public exports of src/training; one line per concept file.
export * from './forward-context';
