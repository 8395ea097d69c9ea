import { type NormalizationStats } from '../dataset/dataset';

/** MNIST class names: the digits. */
export const MNIST_LABEL_NAMES: readonly string[] = ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9'];
/** The usual MNIST normalisation statistics (training set mean and standard deviation). */
export const MNIST_NORMALIZATION: NormalizationStats = { mean: [0.1307], std: [0.3081] };
