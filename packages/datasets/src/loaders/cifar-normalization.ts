import { type NormalizationStats } from '../dataset/dataset';

/** CIFAR-10 normalisation statistics (training set, per channel R, G, B). */
export const CIFAR10_NORMALIZATION: NormalizationStats = { mean: [0.4914, 0.4822, 0.4465], std: [0.247, 0.2435, 0.2616] };
/** CIFAR-100 normalisation statistics (training set, per channel R, G, B). */
export const CIFAR100_NORMALIZATION: NormalizationStats = { mean: [0.5071, 0.4865, 0.4409], std: [0.2673, 0.2564, 0.2762] };
