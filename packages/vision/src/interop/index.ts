// Public exports of src/interop: weight maps between AiT.js models and the official PyTorch code.
export * from './official-weight-layout';
export {
  OFFICIAL_AIT_COMMIT,
  OFFICIAL_AIT_REPOSITORY,
  OFFICIAL_QUESTION_DIM,
  officialAitWeightMap,
  officialVitWeightMap,
  type OfficialExtraTensor,
  type OfficialRenameOptions,
  type OfficialWeightMap,
  type OfficialWeightMapOptions,
  type OfficialWeightPair,
  type ToOfficialOptions,
} from './official-weight-map';
export { aitJsToOfficialAit, aitJsToOfficialVit, officialAitToAitJs, officialVitToAitJs } from './official-weight-rename';
export * from './official-safetensors';
export {
  OFFICIAL_COORDINATION_COMMIT,
  OFFICIAL_COORDINATION_KEY_SIZE,
  OFFICIAL_COORDINATION_MIN_PATCHES,
  OFFICIAL_COORDINATION_REPOSITORY,
  officialCoordinationWeightMap,
  type OfficialCoordinationWeightMap,
  type OfficialFixedTensor,
} from './official-coordination-weight-map';
export {
  aitJsToOfficialCoordination,
  loadOfficialCoordinationSafetensors,
  officialCoordinationToAitJs,
  toOfficialCoordinationSafetensors,
  type LoadOfficialCoordinationOptions,
  type LoadOfficialCoordinationReport,
  type ToOfficialCoordinationOptions,
} from './official-coordination-safetensors';
