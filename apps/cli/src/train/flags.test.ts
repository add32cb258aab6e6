import { describe, expect, it } from 'vitest';
import { changeableFlags, describePreset, flagHelp, parseArgsOptions, trainFlags } from './flags.js';
import { storedTraining, trainRecipe, trainSettings } from './settings.js';

describe('the flags of gan train', () => {
  it('give parseArgs its options and the help one line per flag, the text starting in column 23', () => {
    const options = parseArgsOptions(trainFlags);
    expect(Object.keys(options)).toEqual(trainFlags.map((flag) => flag.name));
    expect(options['label-noise']).toEqual({ type: 'string' });
    expect(options.verbose).toEqual({ type: 'boolean' });
    expect(options.help).toEqual({ type: 'boolean', short: 'h' });
    const help = flagHelp(trainFlags).split('\n');
    expect(help).toContain(
      "  --label-noise P     fraction of D's labels flipped at random in each update, 0 ≤ P < 0.5 (default 0)",
    );
    expect(help).toContain(
      "  --ngf N, --ndf N    feature maps of the dcgan generator's last hidden layer / the discriminator's first",
    );
    expect(help.filter((line) => !line.startsWith('  --')).every((line) => /^ {22}\S/.test(line))).toBe(true);
    expect(help.filter((line) => line.startsWith('  --ndf') || line.startsWith('  --help'))).toEqual([]);
    expect(changeableFlags()).toBe(
      '--epochs, --lr, --g-lr, --d-lr, --backend, --checkpoint-every, --keep-best-by, --eval-every and --eval-count',
    );
    expect(describePreset('quickstart')).toBe(
      '--model cgan --variant tutorial --data shapes --image-size 32 --ngf 16 --ndf 16 --epochs 26 --batch-size 32 --lr 0.0005 --seed 999',
    );
    // A flag given over the preset shows both values; one given the preset's own value shows once.
    expect(describePreset('quickstart', { epochs: '10', 'batch-size': '32' })).toBe(
      '--model cgan --variant tutorial --data shapes --image-size 32 --ngf 16 --ndf 16 --epochs 10 (preset: 26) --batch-size 32 --lr 0.0005 --seed 999',
    );
  });

  it('give a new run the defaults, the quick-start preset without --model and --data, and the flags over both', () => {
    expect(trainSettings({ seed: '3' })).toMatchObject({
      preset: 'quickstart',
      model: 'cgan',
      variant: 'tutorial',
      dataSpec: 'shapes',
      imageSize: 32,
      ngf: 16,
      ndf: 16,
      epochs: 26,
      batchSize: 32,
      learningRate: 5e-4,
      out: 'runs/cgan-shapes',
      noise: 'normal',
    });
    const settings = trainSettings({ model: 'dcgan-mnist', epochs: '2', 'label-noise': '0.2', seed: '3' });
    expect(settings).toMatchObject({
      preset: undefined,
      model: 'dcgan-mnist',
      dataSpec: 'shapes',
      epochs: 2,
      batchSize: 64,
      learningRate: 2e-4,
      beta1: 0.5,
      noise: 'uniform',
      rangeName: '0,1',
      variant: 'mlp',
      background: [255, 255, 255],
      labelNoise: 0.2,
      evalCount: 1000,
      backend: 'auto',
      out: 'runs/dcgan-mnist-shapes',
      seed: 3,
    });
    expect(trainSettings({ data: 'emoji', seed: '3' }).variant).toBe('tutorial');
    expect(trainSettings({ model: 'mlp', data: 'ring' }).seed).toBeGreaterThanOrEqual(0);
  });

  it('store the recipe and the measures in config.json, JSON-serialisable', () => {
    const settings = trainSettings({ model: 'mlp', 'eval-every': '2', ema: '0.9', 'sample-epochs': '1,3', seed: '3' });
    const recipe = trainRecipe(settings);
    expect(recipe).toMatchObject({ version: 1, ema: 0.9, sampleEpochs: [1, 3], seed: 3, labelNoise: 0 });
    expect(recipe).not.toHaveProperty('evalEvery');
    expect(recipe).not.toHaveProperty('model');
    expect(recipe.beta2).toBe(0.999);
    expect(trainRecipe(trainSettings({ model: 'mlp', beta2: '0.9' })).beta2).toBe(0.9);
    const stored = JSON.parse(JSON.stringify(storedTraining(settings)));
    expect(stored).toEqual({ ...JSON.parse(JSON.stringify(recipe)), evalEvery: 2, evalCount: 1000 });
  });
});
