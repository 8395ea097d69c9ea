import { type NormalizationStats } from './dataset';

/** ImageNet normalisation statistics, the usual default for photographs (R, G, B). */
export const IMAGENET_NORMALIZATION: NormalizationStats = { mean: [0.485, 0.456, 0.406], std: [0.229, 0.224, 0.225] };
/** Grey-scale counterpart of {@link IMAGENET_NORMALIZATION} (the channel averages). */
export const IMAGENET_GREY_NORMALIZATION: NormalizationStats = { mean: [0.449], std: [0.226] };
