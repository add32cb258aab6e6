/** The MNIST-format datasets `mnist()` can load. */
export type MnistVariant = 'mnist' | 'fashion-mnist';

/** One of the four files of an MNIST-format dataset. */
export interface MnistFile {
  /** Name without `.gz`, e.g. `train-images-idx3-ubyte`. */
  name: string;
  /** MD5 of the published `.gz` file. */
  md5: string;
}

export interface MnistSplitFiles {
  images: MnistFile;
  labels: MnistFile;
}

export interface MnistVariantInfo {
  /** Mirrors that serve `<name>.gz`, tried in order. */
  mirrors: readonly string[];
  train: MnistSplitFiles;
  test: MnistSplitFiles;
  classNames: readonly string[];
  /** What one example is, for messages: `digits`, `clothing images`. */
  noun: string;
}

export const MNIST_VARIANTS: Readonly<Record<MnistVariant, MnistVariantInfo>> = {
  mnist: {
    mirrors: [
      'https://ossci-datasets.s3.amazonaws.com/mnist/',
      'https://storage.googleapis.com/cvdf-datasets/mnist/',
      'https://raw.githubusercontent.com/fgnt/mnist/master/',
      'http://yann.lecun.com/exdb/mnist/',
    ],
    train: {
      images: { name: 'train-images-idx3-ubyte', md5: 'f68b3c2dcbeaaa9fbdd348bbdeb94873' },
      labels: { name: 'train-labels-idx1-ubyte', md5: 'd53e105ee54ea40749a09fcbcd1e9432' },
    },
    test: {
      images: { name: 't10k-images-idx3-ubyte', md5: '9fb629c4189551a2d022fa330f9573f3' },
      labels: { name: 't10k-labels-idx1-ubyte', md5: 'ec29112dd5afa0611ce80d1b7f02629c' },
    },
    classNames: ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9'],
    noun: 'digits',
  },
  'fashion-mnist': {
    mirrors: [
      'http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/',
      'https://raw.githubusercontent.com/zalandoresearch/fashion-mnist/master/data/fashion/',
    ],
    train: {
      images: { name: 'train-images-idx3-ubyte', md5: '8d4fb7e6c68d591d4c3dfef9ec88bf0d' },
      labels: { name: 'train-labels-idx1-ubyte', md5: '25c81989df183df01b3e8a0aad5dffbe' },
    },
    test: {
      images: { name: 't10k-images-idx3-ubyte', md5: 'bef4ecab320f06d8554ea6380940ec79' },
      labels: { name: 't10k-labels-idx1-ubyte', md5: 'bb300cfdad3c16e7a12a480ee83cd310' },
    },
    classNames: [
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
    ],
    noun: 'clothing images',
  },
};
