import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadNpy } from '@gan/data/node';
import { describe, expect, it } from 'vitest';
import { gan } from './testing/run-cli.js';

// `--backend webgpu` in Node: Dawn through the optional `webgpu` package, on whatever adapter the machine has
// (Mesa lavapipe on CI, set up by tooling/ensure-webgpu.mjs). The same seeded run on wasm is the reference.
const skip = process.env.GAN_WEBGPU_TESTS === 'skip';

interface EpochRecord {
  discriminatorLoss: number;
  generatorLoss: number;
  steps: number;
}

describe.skipIf(skip)('gan train --backend webgpu', () => {
  it('trains, saves and samples on WebGPU, with the losses of the same run on wasm', async () => {
    const base = mkdtempSync(join(tmpdir(), 'gan-webgpu-'));
    const args = [
      '--model',
      'dcgan-mnist',
      '--data',
      'shapes',
      '--limit',
      '32',
      '--batch-size',
      '16',
      '--epochs',
      '1',
      '--seed',
      '3',
    ];
    const onGpu = await gan(['train', ...args, '--backend', 'webgpu', '--out', join(base, 'webgpu')]);
    expect(onGpu.code, onGpu.stderr).toBe(0);
    expect(onGpu.stdout + onGpu.stderr).toMatch(/backend: webgpu \(.*WebGPU on /);
    const onWasm = await gan(['train', ...args, '--backend', 'wasm', '--out', join(base, 'wasm')]);
    expect(onWasm.code, onWasm.stderr).toBe(0);

    const config = JSON.parse(readFileSync(join(base, 'webgpu', 'config.json'), 'utf8'));
    expect(config.backend).toBe('webgpu');
    const [gpuEpoch] = JSON.parse(readFileSync(join(base, 'webgpu', 'history.json'), 'utf8')) as EpochRecord[];
    const [wasmEpoch] = JSON.parse(readFileSync(join(base, 'wasm', 'history.json'), 'utf8')) as EpochRecord[];
    expect(gpuEpoch!.steps).toBe(2);
    // Same weights, data order and noise: two D and two G updates agree up to float32 rounding.
    expect(gpuEpoch!.discriminatorLoss).toBeCloseTo(wasmEpoch!.discriminatorLoss, 3);
    expect(gpuEpoch!.generatorLoss).toBeCloseTo(wasmEpoch!.generatorLoss, 3);
    for (const file of ['generator/model.json', 'discriminator/weights.bin', 'samples/epoch_001.png']) {
      expect(existsSync(join(base, 'webgpu', file)), file).toBe(true);
    }

    const sample = await gan([
      'sample',
      '--from',
      join(base, 'webgpu'),
      '--count',
      '4',
      '--seed',
      '1',
      '--backend',
      'webgpu',
      '--out',
      join(base, 'gpu.npy'),
    ]);
    expect(sample.code, sample.stderr).toBe(0);
    const reference = await gan([
      'sample',
      '--from',
      join(base, 'webgpu'),
      '--count',
      '4',
      '--seed',
      '1',
      '--backend',
      'wasm',
      '--out',
      join(base, 'wasm.npy'),
    ]);
    expect(reference.code, reference.stderr).toBe(0);
    const gpu = (await loadNpy(join(base, 'gpu.npy'))).data;
    const cpu = (await loadNpy(join(base, 'wasm.npy'))).data;
    expect(gpu.length).toBe(4 * 28 * 28);
    let worst = 0;
    for (let i = 0; i < gpu.length; i++) worst = Math.max(worst, Math.abs(gpu[i]! - cpu[i]!));
    expect(worst).toBeLessThan(1e-4);
  }, 600_000);
});
