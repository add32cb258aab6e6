import '@tensorflow/tfjs-backend-wasm';
import { registerTrainingKernels, unregisterTrainingKernels } from '@gan/backend';
import { createRandom } from '@gan/core';
import { dcgan } from '@gan/models';
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createGanTrainer } from './trainer.js';

// @gan/layers' BatchNormalization trains through one kernel (GanBatchNormTraining) where @gan/backend registered it:
// a few steps of a small DCGAN give the weights and moving statistics that tfjs's stock batch-norm code gives.

beforeAll(async () => {
  await tf.setBackend('wasm');
});
afterAll(() => unregisterTrainingKernels());

/** Three trainer steps of a fresh small DCGAN (same seed every time); all of G's and D's weights after them. */
async function trainThreeSteps(): Promise<{ weights: Float32Array[]; kernels: string[] }> {
  const { generator, discriminator } = dcgan({ imageSize: 32, channels: 3, ngf: 8, ndf: 8, seed: 3 });
  const random = createRandom(5);
  const trainer = createGanTrainer({ generator, discriminator, random, noise: 'normal' });
  const x = tf.tensor(random.uniform(4 * 32 * 32 * 3, -1, 1), [4, 32, 32, 3]);
  let kernels: string[] = [];
  for (let i = 0; i < 3; i++) {
    const profile = await tf.profile(async () => {
      await trainer.discriminatorStep({ x });
      await trainer.generatorStep(4);
    });
    kernels = profile.kernelNames;
  }
  const weights = [...generator.getWeights(), ...discriminator.getWeights()].map((w) => w.dataSync() as Float32Array);
  tf.dispose(x);
  trainer.dispose();
  generator.dispose();
  discriminator.dispose();
  return { weights, kernels };
}

describe('batch norm in training through GanBatchNormTraining (wasm)', () => {
  it("keeps PyTorch's running variance: the moving variance averages the batch's unbiased variance", async () => {
    registerTrainingKernels({ backends: ['wasm'] });
    // A batch-norm layer of the models (@gan/layers' BatchNormalization, momentum 0.9 as PyTorch's 0.1).
    const { generator, discriminator } = dcgan({ imageSize: 32, channels: 3, ngf: 8, ndf: 8, seed: 3 });
    const layer = generator.layers.find((l) => l.getClassName() === 'BatchNormalization')!;
    const channels = layer.getWeights()[0]!.shape[0]!;
    const x = tf.randomNormal([8, 2, 2, channels], 1, 2, 'float32', 4);
    const profile = await tf.profile(() => layer.apply(x, { training: true }) as tf.Tensor);
    expect(profile.kernelNames).toContain('GanBatchNormTraining');
    const values = tf.reshape(x, [32, channels]).arraySync() as number[][];
    const variance = layer.getWeights()[3]!.dataSync();
    for (let c = 0; c < channels; c++) {
      const column = values.map((row) => row[c]!);
      const m = column.reduce((s, v) => s + v, 0) / 32;
      const unbiased = column.reduce((s, v) => s + (v - m) ** 2, 0) / 31;
      expect(variance[c]).toBeCloseTo(0.9 + 0.1 * unbiased, 4);
    }
    tf.dispose([x, profile.result as tf.Tensor]);
    generator.dispose();
    discriminator.dispose();
  });

  it('trains a DCGAN to the weights and moving statistics of the stock batch-norm code, in two kernels a layer', async () => {
    // The other training kernels stay (stock wasm has no Conv2DBackpropFilter); only the batch-norm one goes.
    registerTrainingKernels({ backends: ['wasm'] });
    tf.unregisterKernel('GanBatchNormTraining', 'wasm');
    const stock = await trainThreeSteps();
    expect(stock.kernels).not.toContain('GanBatchNormTraining');
    registerTrainingKernels({ backends: ['wasm'] });
    const fused = await trainThreeSteps();
    expect(fused.kernels).toContain('GanBatchNormTraining');
    expect(fused.kernels).toContain('GanBatchNormTrainingGrad');
    expect(fused.weights).toHaveLength(stock.weights.length);
    for (const [i, w] of fused.weights.entries()) {
      const reference = stock.weights[i]!;
      let diff = 0;
      let scale = 0;
      for (let j = 0; j < w.length; j++) {
        diff = Math.max(diff, Math.abs(w[j]! - reference[j]!));
        scale = Math.max(scale, Math.abs(reference[j]!));
      }
      expect(diff / scale, `weight ${i}`).toBeLessThan(1e-3);
    }
  });
});
