import { GanError } from '@gan/core';
import type * as tfl from '@tensorflow/tfjs-layers';
import { beforeAll, describe, expect, it } from 'vitest';
import { dcgan } from './dcgan.js';
import { trainableParamCount } from './param-count.js';
import { run, useCpu, wave, weightValues } from './testing/helpers.js';

beforeAll(useCpu);

describe('dcgan', () => {
  // Building the full-size networks is cheap enough; running them on the cpu backend is not.
  let full: ReturnType<typeof dcgan>;
  beforeAll(() => {
    full = dcgan();
  });

  it('has the parameter counts of the PyTorch tutorial at 64×64', () => {
    const { generator, discriminator } = full;
    // Generator (no biases; BatchNorm has γ and β per channel):
    //   ConvT 100→512 4×4: 100·512·16 = 819,200   BN 512: 1,024
    //   ConvT 512→256:     512·256·16 = 2,097,152 BN 256:   512
    //   ConvT 256→128:     256·128·16 =   524,288 BN 128:   256
    //   ConvT 128→64:      128·64·16  =   131,072 BN  64:   128
    //   ConvT 64→3:        64·3·16    =     3,072
    //   3,574,784 + 1,920 = 3,576,704
    expect(trainableParamCount(generator)).toBe(3_576_704);
    // Discriminator:
    //   Conv 3→64:    3·64·16   =     3,072
    //   Conv 64→128:  64·128·16 =   131,072 BN 128:   256
    //   Conv 128→256: 128·256·16 =  524,288 BN 256:   512
    //   Conv 256→512: 256·512·16 = 2,097,152 BN 512: 1,024
    //   Conv 512→1:   512·1·16  =     8,192
    //   2,763,776 + 1,792 = 2,765,568
    expect(trainableParamCount(discriminator)).toBe(2_765_568);
  });

  it('goes 4×4×512 → 8×8×256 → 16×16×128 → 32×32×64 → 64×64×3 without biases, as the tutorial', () => {
    const { generator, discriminator } = full;
    const convs = (model: tfl.LayersModel) => model.layers.filter((layer) => /Conv2D/.test(layer.getClassName()));
    expect(convs(generator).map((layer) => layer.outputShape)).toEqual([
      [null, 4, 4, 512],
      [null, 8, 8, 256],
      [null, 16, 16, 128],
      [null, 32, 32, 64],
      [null, 64, 64, 3],
    ]);
    expect(convs(discriminator).map((layer) => layer.outputShape)).toEqual([
      [null, 32, 32, 64],
      [null, 16, 16, 128],
      [null, 8, 8, 256],
      [null, 4, 4, 512],
      [null, 1, 1, 1],
    ]);
    for (const layer of [...convs(generator), ...convs(discriminator)]) {
      expect(layer.getConfig().useBias).toBe(false);
      expect(layer.getConfig().kernelInitializer).toMatchObject({ config: { mean: 0, stddev: 0.02 } });
    }
    const norms = [...generator.layers, ...discriminator.layers].filter(
      (l) => l.getClassName() === 'BatchNormalization',
    );
    expect(norms).toHaveLength(4 + 3);
    for (const norm of norms) {
      expect(norm.getConfig()).toMatchObject({
        momentum: 0.9,
        epsilon: 1e-5,
        gammaInitializer: { config: { mean: 1, stddev: 0.02 } },
      });
    }
    // No batch norm right after the discriminator's first conv.
    expect(discriminator.layers[2].getClassName()).toBe('LeakyReLU');
    expect(discriminator.layers[2].getConfig().alpha).toBe(0.2);
  });

  it('runs a batch of 2 at 64×64 (ngf/ndf 8): images in [-1, 1] and logits [n, 1]', () => {
    const { generator, discriminator, info } = dcgan({ ngf: 8, ndf: 8, seed: 1 });
    const images = run(generator, wave([2, 100]));
    expect(images.shape).toEqual([2, 64, 64, 3]);
    expect(Math.max(...images.values.map(Math.abs))).toBeLessThanOrEqual(1);
    const logits = run(discriminator, wave([2, 64, 64, 3]));
    expect(logits.shape).toEqual([2, 1]);
    expect(info).toEqual({
      name: 'dcgan',
      imageShape: [64, 64, 3],
      latentDim: 100,
      outputRange: [-1, 1],
      conditional: false,
    });
  });

  it('builds 32×32 and 128×128 variants with other channels and latentDim', () => {
    const small = dcgan({ imageSize: 32, channels: 1, latentDim: 16, ngf: 4, ndf: 4 });
    expect(small.generator.outputs[0].shape).toEqual([null, 32, 32, 1]);
    expect(small.generator.layers.find((l) => l.getClassName() === 'Conv2DTranspose')?.outputShape).toEqual([
      null,
      4,
      4,
      16,
    ]);
    expect(run(small.discriminator, wave([2, 32, 32, 1])).shape).toEqual([2, 1]);
    const large = dcgan({ imageSize: 128, ngf: 2, ndf: 2 });
    expect(large.generator.outputs[0].shape).toEqual([null, 128, 128, 3]);
    expect(large.discriminator.inputs[0].shape).toEqual([null, 128, 128, 3]);
    expect(large.discriminator.outputs[0].shape).toEqual([null, 1]);
  });

  it('gives the same weights for the same seed and different ones for another seed', () => {
    const a = dcgan({ imageSize: 32, ngf: 4, ndf: 4, seed: 7 });
    const b = dcgan({ imageSize: 32, ngf: 4, ndf: 4, seed: 7 });
    const c = dcgan({ imageSize: 32, ngf: 4, ndf: 4, seed: 8 });
    expect(weightValues(b.generator)).toEqual(weightValues(a.generator));
    expect(weightValues(b.discriminator)).toEqual(weightValues(a.discriminator));
    expect(weightValues(c.generator)).not.toEqual(weightValues(a.generator));
  });

  it('rejects unsupported options with a GanError', () => {
    expect(() => dcgan({ imageSize: 48 as 64 })).toThrow(GanError);
    expect(() => dcgan({ imageSize: 48 as 64 })).toThrow(
      'Expected imageSize of dcgan to be one of 32, 64, 128, got 48.',
    );
    expect(() => dcgan({ ngf: 0 })).toThrow(/ngf of dcgan to be a positive integer/);
  });
});
