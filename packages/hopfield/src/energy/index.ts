// Public exports of src/energy; one line per concept file.
export * from './associative-memory';
export * from './energy';
export * from './retrieve';
