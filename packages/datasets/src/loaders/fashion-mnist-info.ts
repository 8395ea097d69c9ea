import { type NormalizationStats } from '../dataset/dataset';

/** Fashion-MNIST class names. */
export const FASHION_MNIST_LABEL_NAMES: readonly string[] = [
  'T-shirt/top',
  'Trouser',
  'Pullover',
  'Dress',
  'Coat',
  'Sandal',
  'Shirt',
  'Sneaker',
  'Bag',
  'Ankle boot',
];
/** Fashion-MNIST normalisation statistics (training set mean and standard deviation). */
export const FASHION_MNIST_NORMALIZATION: NormalizationStats = { mean: [0.286], std: [0.353] };
