/**
 * @packageDocumentation
 * @ait/hopfield
 */
export {};
