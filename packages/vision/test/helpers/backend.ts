// The backend a test file runs on, set up once before its tests (shared with the other packages' tests).
export { useBackend } from '@ait/core/testing';
