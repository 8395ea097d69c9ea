/**
 * @packageDocumentation
 * @ait/datasets
 */
export {};
