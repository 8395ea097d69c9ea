// Public exports of src/checkpoint; one line per concept file.
export {};
