// The scenarios every package runs in Node and in Chromium; each trains a small model and reports
// its losses (one scenario per package of AiT.js).
import { coreTransformer } from './core-transformer';
import { datasetsTriangle } from './datasets-triangle';
import { hopfieldPooling } from './hopfield-pooling';
import type { ScenarioBackend, ScenarioResult } from './scenario';
import { visionAit } from './vision-ait';

export type { ScenarioBackend, ScenarioResult } from './scenario';

/** The scenarios by name. */
export const SCENARIOS: Readonly<Record<string, (backend: ScenarioBackend) => Promise<ScenarioResult>>> = {
  core: coreTransformer,
  hopfield: hopfieldPooling,
  vision: visionAit,
  datasets: datasetsTriangle,
};
