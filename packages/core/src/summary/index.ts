// Public exports of src/summary; one line per concept file.
export {};
