import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * The real MNIST t10k digits, which are not in the repository: `../shared/data/mnist` beside its root
 * (the shared data folder of the machines this project runs on). Tests that need them skip without them.
 */
export const mnistDir = resolve(dirname(fileURLToPath(import.meta.url)), '../../../../../shared/data/mnist');

/** Whether the t10k image and label files are in {@link mnistDir}. */
export const hasMnist = ['t10k-images-idx3-ubyte.gz', 't10k-labels-idx1-ubyte.gz'].every((file) =>
  existsSync(join(mnistDir, file)),
);
