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
export * from './timm-weight-layout';
export {
  TIMM_COMMIT,
  TIMM_REPOSITORY,
  timmMixerWeightMap,
  timmVitWeightMap,
  type TimmMixerConfig,
  type TimmModelArgs,
  type TimmRenameOptions,
  type TimmWeightMap,
  type TimmWeightPair,
} from './timm-weight-map';
export { aitJsToTimmMixer, aitJsToTimmVit, timmMixerToAitJs, timmVitToAitJs } from './timm-weight-rename';
export * from './timm-safetensors';
export {
  SET_TRANSFORMER_REFERENCE_COMMIT,
  SET_TRANSFORMER_REFERENCE_REPOSITORY,
  setTransformerWeightMap,
  type SetTransformerWeightMap,
} from './set-transformer-weight-map';
export {
  aitJsToSetTransformerReference,
  loadSetTransformerReferenceSafetensors,
  setTransformerReferenceToAitJs,
  toSetTransformerReferenceSafetensors,
  type SetTransformerRenameOptions,
} from './set-transformer-safetensors';
export {
  PARAMIXER_LAYER_NORM_EPSILON,
  PARAMIXER_REFERENCE_COMMIT,
  PARAMIXER_REFERENCE_REPOSITORY,
  paramixerWeightMap,
  type ParamixerWeightMap,
  type ParamixerWeightPair,
} from './paramixer-weight-map';
export { aitToParamixerLayout, paramixerToAitLayout, type ParamixerLayout } from './paramixer-weight-layout';
export {
  aitJsToParamixer,
  loadParamixerSafetensors,
  paramixerToAitJs,
  toParamixerSafetensors,
  type LoadParamixerOptions,
  type ParamixerRenameOptions,
  type ToParamixerOptions,
} from './paramixer-safetensors';
