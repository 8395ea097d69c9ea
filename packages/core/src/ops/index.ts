// Public exports of src/ops; one line per concept file.
export {};
