import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import '@tensorflow/tfjs-backend-cpu';
import { encodePng } from '@gan/data/node';
import { createGan, importTorchWeights } from '@gan/models';
import { loadModel } from '@gan/models/node';
import * as tf from '@tensorflow/tfjs-core';
import type { Download, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { TrainingSnapshot } from './session/protocol.js';
import { type HeadlessChromium, launchChromium } from './testing/chromium.js';
import { type StaticServer, serveStatic } from './testing/static-server.js';
import { describeAdapter } from './testing/webgpu-probe.js';

const dist = join(dirname(fileURLToPath(import.meta.url)), '..', 'dist');

let server: StaticServer;
let browser: HeadlessChromium;
let page: Page;
const pageErrors: string[] = [];

const text = async (selector: string) => (await page.textContent(selector))?.trim() ?? '';
const stepCount = async () => Number(await text('#step-count'));
const viewUpdates = async () => Number((await page.getAttribute('#view', 'data-updates')) ?? 0);
const snapshot = () => page.locator('#view').screenshot();

/** Waits until the sample view has been redrawn after `before` updates. */
async function waitForViewAfter(before: number): Promise<void> {
  await page.waitForFunction(
    (count) => Number(document.querySelector('#view')?.getAttribute('data-updates') ?? 0) > count,
    before,
  );
}

async function setUp(backend: string, task: string, batchSize: number, dataset?: string): Promise<void> {
  await page.selectOption('#backend', backend);
  await page.selectOption('#task', task);
  if (dataset) await page.selectOption('#dataset', dataset);
  await page.fill('#batch-size', String(batchSize));
  const before = await viewUpdates();
  await page.click('#setup');
  await page.waitForFunction(() => !(document.querySelector('#start') as HTMLButtonElement).disabled, null, {
    timeout: 90_000,
  });
  await waitForViewAfter(before);
  expect(await text('#message')).toBe('');
}

async function setLearningRates(generator: number, discriminator: number): Promise<void> {
  await page.fill('#lr-generator', String(generator));
  await page.dispatchEvent('#lr-generator', 'change');
  await page.fill('#lr-discriminator', String(discriminator));
  await page.dispatchEvent('#lr-discriminator', 'change');
}

/** One training step with the Step button; resolves once its view is drawn. */
async function singleStep(): Promise<void> {
  const step = await stepCount();
  const updates = await viewUpdates();
  await page.click('#step');
  await page.waitForFunction((n) => Number(document.querySelector('#step-count')?.textContent) === n + 1, step);
  await waitForViewAfter(updates);
}

/**
 * Tiny PNGs: `flat/` holds 6 files (gray and RGB, 32×32 and 20×20, so they are resized both ways) and
 * one that is not a PNG; `classes/dark/` and `classes/light/` hold 3 each.
 */
async function writeImageFiles(root: string): Promise<void> {
  const square = (size: number, channels: 1 | 3, background: number, foreground: number) => {
    const pixels = new Uint8Array(size * size * channels).fill(background);
    for (let y = size / 4; y < (3 * size) / 4; y++) {
      pixels.fill(foreground, (y * size + size / 4) * channels, (y * size + (3 * size) / 4) * channels);
    }
    return encodePng(pixels, size, size, channels);
  };
  for (const folder of ['flat', 'classes/dark', 'classes/light']) mkdirSync(join(root, folder), { recursive: true });
  for (let i = 0; i < 6; i++) {
    const [size, channels] = i % 2 === 0 ? [32, 1 as const] : [20, 3 as const];
    writeFileSync(join(root, 'flat', `${i}.png`), await square(size, channels, 0, 40 * (i + 1)));
  }
  writeFileSync(join(root, 'flat', 'broken.png'), 'not a png');
  for (let i = 0; i < 3; i++) {
    writeFileSync(join(root, 'classes/dark', `${i}.png`), await square(28, 1, 0, 60 + i));
    writeFileSync(join(root, 'classes/light', `${i}.png`), await square(28, 1, 255, 120 + i));
  }
}

const imageRoot = mkdtempSync(join(tmpdir(), 'gan-playground-images-'));

beforeAll(async () => {
  await tf.setBackend('cpu');
  await writeImageFiles(imageRoot);
  server = await serveStatic(dist);
  browser = await launchChromium();
  page = await browser.context.newPage();
  // Generous: other test suites may share the machine's two cores.
  page.setDefaultTimeout(90_000);
  page.on('pageerror', (error) => pageErrors.push(error.message));
  await page.goto(server.url);
});

afterAll(async () => {
  await browser?.close();
  await server?.close();
  rmSync(imageRoot, { recursive: true, force: true });
});

describe('the built playground in headless Chromium', () => {
  it('trains the 2-D GAN on the ring in a Web Worker on wasm: losses move and the view changes', async () => {
    await setUp('wasm', 'points', 64);
    expect(await text('#backend-name')).toBe('wasm');
    expect(await text('#thread')).toBe('Web Worker');
    expect(await text('#description')).toMatch(/^mlp on ring/);
    const before = await snapshot();

    await page.click('#start');
    await page.waitForFunction(() => Number(document.querySelector('#step-count')?.textContent) >= 3);
    const first = { d: await text('#d-loss'), g: await text('#g-loss'), step: await stepCount() };
    await page.waitForFunction((n) => Number(document.querySelector('#step-count')?.textContent) >= n + 3, first.step);
    const second = { d: await text('#d-loss'), g: await text('#g-loss') };
    await page.click('#pause');
    await page.waitForFunction(() => document.querySelector('#state')?.textContent === 'paused');

    for (const value of [first.d, first.g, second.d, second.g]) expect(Number.isFinite(Number(value))).toBe(true);
    expect([second.d, second.g]).not.toEqual([first.d, first.g]);
    expect(Number(await text('#img-per-sec'))).toBeGreaterThan(0);
    const after = await snapshot();
    expect(after.equals(before)).toBe(false);

    // Paused: no more steps.
    const paused = await stepCount();
    await page.waitForTimeout(500);
    expect(await stepCount()).toBe(paused);
  });

  it('changes learning rates while set up: at 0 a step leaves both networks (and the view) as they were', async () => {
    await setLearningRates(0, 0);
    await singleStep(); // lets a step in flight at the change finish
    const frozen = await snapshot();
    await singleStep();
    expect((await snapshot()).equals(frozen)).toBe(true);

    await setLearningRates(1e-3, 1e-3);
    await singleStep();
    expect((await snapshot()).equals(frozen)).toBe(false);
  });

  it('exports the generator as a tfjs model that Node loads, and the page loads it back with the same outputs', async () => {
    const downloads: Download[] = [];
    const both = new Promise<void>((resolve) => {
      page.on('download', (download) => {
        downloads.push(download);
        if (downloads.length === 2) resolve();
      });
    });
    await page.click('#export');
    await both;
    const folder = join(browser.downloads, 'exported');
    mkdirSync(folder, { recursive: true });
    const byName = new Map(downloads.map((d) => [d.suggestedFilename(), d]));
    expect([...byName.keys()].sort()).toEqual(['gan-generator.json', 'gan-generator.weights.bin']);
    await byName.get('gan-generator.json')?.saveAs(join(folder, 'model.json'));
    await byName.get('gan-generator.weights.bin')?.saveAs(join(folder, 'gan-generator.weights.bin'));
    const manifest = JSON.parse(readFileSync(join(folder, 'model.json'), 'utf8'));
    expect(manifest.weightsManifest[0].paths).toEqual(['./gan-generator.weights.bin']);

    const generator = await loadModel(folder);
    expect(generator.inputs[0]?.shape).toEqual([null, 8]);
    expect(generator.outputs[0]?.shape).toEqual([null, 2]);
    const atZero = tf.tidy(() => (generator.predict(tf.zeros([1, 8])) as tf.Tensor).arraySync() as number[][]);

    // The page loads the same files through tf.io.browserFiles and reports G(0).
    await page.setInputFiles('#generator-files', [
      join(folder, 'model.json'),
      join(folder, 'gan-generator.weights.bin'),
    ]);
    await page.waitForFunction(() => /G\(0\) = \[/.test(document.querySelector('#loaded-info')?.textContent ?? ''));
    const info = await text('#loaded-info');
    expect(info).toMatch(/^mlp: z 8 → \[2\]/);
    const [x, y] = (/G\(0\) = \[([-\d.]+), ([-\d.]+)\]/.exec(info) ?? []).slice(1).map(Number);
    expect(x).toBeCloseTo(atZero[0]?.[0] as number, 4);
    expect(y).toBeCloseTo(atZero[0]?.[1] as number, 4);
    expect(await page.isDisabled('#interpolate')).toBe(false);
    generator.dispose();
  });

  it('loads a PyTorch generator (torch.save state_dict) into the DCGAN and samples it; a pickle asking for code is refused', async () => {
    // A narrow DCGAN tutorial generator saved by PyTorch 2.13 (packages/models/src/testing/torch-fixtures).
    const fixtures = join(
      dirname(fileURLToPath(import.meta.url)),
      '../../../packages/models/src/testing/torch-fixtures',
    );
    const options = { imageSize: 32, latentDim: 8, ngf: 4, ndf: 4 } as const;
    const gan = createGan('dcgan', options);
    importTorchWeights(gan.generator, new Uint8Array(readFileSync(join(fixtures, 'dcgan', 'generator.pt'))));
    const meanAtZero = tf.tidy(
      () => tf.mean(gan.generator.predict(tf.zeros([1, 8])) as tf.Tensor).dataSync()[0] as number,
    );

    await page.click('#torch-panel summary');
    await page.selectOption('#torch-model', 'dcgan');
    await page.fill('#torch-options', 'imageSize=32, latentDim=8, ngf=4, ndf=4');
    await page.setInputFiles('#torch-file', join(fixtures, 'dcgan', 'generator.pt'));
    await page.waitForFunction(() =>
      /mean G\(0\)|rror|not|refus/.test(document.querySelector('#loaded-info')?.textContent ?? ''),
    );
    const info = await text('#loaded-info');
    expect(info).toMatch(
      /^dcgan: z 8 → \[32, 32, 3\]; 16 PyTorch parameters from generator\.pt \(pytorch\); mean G\(0\) = /,
    );
    expect(Number(/mean G\(0\) = ([-\d.]+)/.exec(info)?.[1])).toBeCloseTo(meanAtZero, 4);
    expect(await page.isDisabled('#resample')).toBe(false);

    await page.setInputFiles('#torch-file', join(fixtures, 'bad', 'unknown-global.pt'));
    await page.waitForFunction(() => /eval/.test(document.querySelector('#loaded-info')?.textContent ?? ''));
    expect(await text('#loaded-info')).toMatch(/asks for the Python global (__builtin__|builtins)\.eval/);
    expect(pageErrors).toEqual([]);
    gan.generator.dispose();
    gan.discriminator.dispose();
  });

  it('trains the MNIST DCGAN on the built-in shapes: one step changes the sample grid', async () => {
    await setUp('wasm', 'dcgan-mnist', 8);
    expect(await text('#description')).toMatch(/^dcgan-mnist on shapes/);
    const before = await snapshot();
    await singleStep();
    expect(Number.isFinite(Number(await text('#d-loss')))).toBe(true);
    expect((await snapshot()).equals(before)).toBe(false);
    expect(pageErrors).toEqual([]);
  });

  it("on the cross-origin-isolated page, splits the image task's matrix products over ≥ 2 threads (Web Workers)", async (context) => {
    const where = await page.evaluate(() => ({
      isolated: self.crossOriginIsolated,
      cores: navigator.hardwareConcurrency,
    }));
    expect(where.isolated).toBe(true);
    context.skip(
      where.cores < 2,
      `the browser reports navigator.hardwareConcurrency = ${where.cores}: one core, so one thread`,
    );
    await setUp('wasm', 'dcgan-mnist', 8, 'shapes');
    // The summary @gan/backend's wasm probe gives, shown under the stats.
    const reason = await text('#backend-reason');
    const threads = Number(/matrix products: (?:FMA|SIMD) on (\d+) threads?/.exec(reason)?.[1]);
    expect(threads, reason).toBeGreaterThanOrEqual(2);
    for (let i = 0; i < 2; i++) await singleStep();
    expect(await stepCount()).toBe(2);
    for (const loss of [await text('#d-loss'), await text('#g-loss')]) expect(Number.isFinite(Number(loss))).toBe(true);
    expect(pageErrors).toEqual([]);
  });

  it('trains the MNIST DCGAN on PNG files picked on the page: counts them, names the broken one, one step changes the grid', async () => {
    await page.selectOption('#task', 'dcgan-mnist');
    await page.selectOption('#dataset', 'files');
    expect(await page.isVisible('#image-drop')).toBe(true);
    const flat = ['0', '1', '2', '3', '4', '5', 'broken'].map((name) => join(imageRoot, 'flat', `${name}.png`));
    await page.setInputFiles('#image-files', flat);
    await page.waitForFunction(() => /images loaded/.test(document.querySelector('#image-info')?.textContent ?? ''));
    const info = await text('#image-info');
    expect(info).toMatch(/^6 images loaded \(no labels: cgan needs/);
    expect(info).toMatch(/Skipped 1 that did not decode: broken\.png$/);

    await setUp('wasm', 'dcgan-mnist', 4, 'files');
    expect(await text('#description')).toMatch(/^dcgan-mnist on image-files: 6 image files; batch 4/);
    const before = await snapshot();
    await singleStep();
    expect(Number.isFinite(Number(await text('#d-loss')))).toBe(true);
    expect((await snapshot()).equals(before)).toBe(false);
  });

  it('refuses cgan on unlabelled files, and takes labels from the subfolders of a picked folder', async () => {
    await page.selectOption('#task', 'cgan');
    await page.selectOption('#dataset', 'files');
    await page.click('#setup');
    await page.waitForFunction(() =>
      /labelled images for cgan/.test(document.querySelector('#message')?.textContent ?? ''),
    );
    expect(await text('#message')).toMatch(/Pick a folder with one subfolder per class/);

    await page.setInputFiles('#image-folder', join(imageRoot, 'classes'));
    await page.waitForFunction(() => /images loaded/.test(document.querySelector('#image-info')?.textContent ?? ''));
    expect(await text('#image-info')).toBe('6 images loaded in 2 classes (dark, light)');
    await setUp('wasm', 'cgan', 6, 'files');
    expect(await text('#description')).toMatch(/^cgan.* on image-files: 6 image files in 2 classes; batch 6/);
    expect(pageErrors).toEqual([]);
  });
});

/** What `navigator.gpu.requestAdapter()` gave in this Chromium (asked once by `src/testing/global-setup.ts`). */
const webgpu = inject('webgpu');

/** One training run of the playground, set up by hand as a user would. */
interface RunSettings {
  task: 'points' | 'dcgan-mnist';
  dataset: string;
  batchSize: number;
  seed: number;
  learningRate: number;
  steps: number;
}

/** Sets up `settings` on `backend` (seed and both learning rates filled in before "Set up"). */
async function setUpSeeded(backend: string, settings: RunSettings, timeout: number): Promise<void> {
  await page.selectOption('#backend', backend);
  await page.selectOption('#task', settings.task);
  await page.selectOption('#dataset', settings.dataset);
  await page.fill('#batch-size', String(settings.batchSize));
  await page.fill('#seed', String(settings.seed));
  await page.fill('#lr-generator', String(settings.learningRate));
  await page.fill('#lr-discriminator', String(settings.learningRate));
  const before = await viewUpdates();
  await page.click('#setup');
  await page.waitForFunction(() => !(document.querySelector('#start') as HTMLButtonElement).disabled, null, {
    timeout,
  });
  await page.waitForFunction(
    (count) => Number(document.querySelector('#view')?.getAttribute('data-updates') ?? 0) > count,
    before,
    { timeout },
  );
  expect(await text('#message')).toBe('');
  expect(await text('#backend-name')).toBe(backend);
}

/** Keeps the page's `window.ganPlayground.snapshot()` in the page as `window.ganSnapshots[key]`. */
async function keepSnapshot(key: string, timeout: number): Promise<void> {
  await page.evaluate(
    async ([name, limit]) => {
      const scope = window as unknown as {
        ganPlayground: { snapshot(): Promise<TrainingSnapshot> };
        ganSnapshots?: Record<string, TrainingSnapshot>;
      };
      scope.ganSnapshots ??= {};
      const snapshot = await Promise.race([
        scope.ganPlayground.snapshot(),
        new Promise<never>((_, reject) => setTimeout(() => reject(new Error('no snapshot came')), limit)),
      ]);
      scope.ganSnapshots[name] = snapshot;
    },
    [key, timeout] as const,
  );
}

/** How far two kept snapshots are apart. */
interface Agreement {
  steps: number;
  losses: { a: number[]; b: number[] };
  /** Largest |Δ| over every step's D and G loss. */
  lossDifference: number;
  /** Largest |Δ| over every weight of both networks, and the weight tensor it is in. */
  weightDifference: number;
  worstWeight: string;
  /** Largest |Δw| / (|w| + 1e-3) : the relative difference, with weights near 0 judged absolutely. */
  relativeWeightDifference: number;
  /** Number of weights compared, and how many differ at all. */
  weightCount: number;
  differing: number;
  /** How many weights differ by more than each of `thresholds`. */
  exceeding: number[];
  /** The largest |Δw| of each weight tensor whose largest is above `listAbove`. */
  worstTensors: string[];
}

/** Compares `window.ganSnapshots[a]` with `[b]` in the page (the DCGAN's 13M weights stay there), then drops both. */
async function compareSnapshots(a: string, b: string, thresholds: number[], listAbove: number): Promise<Agreement> {
  return page.evaluate(
    ([first, second, limits, list]) => {
      const kept = (window as unknown as { ganSnapshots: Record<string, TrainingSnapshot> }).ganSnapshots;
      const x = kept[first] as TrainingSnapshot;
      const y = kept[second] as TrainingSnapshot;
      delete kept[first];
      delete kept[second];
      if (x.step !== y.step || x.weights.length !== y.weights.length) {
        throw new Error(
          `snapshots differ in shape: step ${x.step}/${y.step}, ${x.weights.length}/${y.weights.length} weights`,
        );
      }
      let lossDifference = 0;
      for (let i = 0; i < x.losses.length; i++) {
        const p = x.losses[i] as TrainingSnapshot['losses'][number];
        const q = y.losses[i] as TrainingSnapshot['losses'][number];
        lossDifference = Math.max(
          lossDifference,
          Math.abs(p.discriminator - q.discriminator),
          Math.abs(p.generator - q.generator),
        );
      }
      let weightDifference = 0;
      let relativeWeightDifference = 0;
      let worstWeight = '';
      let weightCount = 0;
      let differing = 0;
      const exceeding = limits.map(() => 0);
      const worstTensors: string[] = [];
      for (let i = 0; i < x.weights.length; i++) {
        let tensorWorst = 0;
        const u = x.weights[i] as TrainingSnapshot['weights'][number];
        const v = y.weights[i] as TrainingSnapshot['weights'][number];
        if (u.shape.join() !== v.shape.join()) throw new Error(`weight ${i}: [${u.shape}] against [${v.shape}]`);
        for (let j = 0; j < u.values.length; j++) {
          const difference = Math.abs((u.values[j] as number) - (v.values[j] as number));
          if (difference > 0) differing++;
          for (let k = 0; k < limits.length; k++) if (difference > (limits[k] as number)) exceeding[k]++;
          tensorWorst = Math.max(tensorWorst, difference);
          if (difference > weightDifference) {
            weightDifference = difference;
            worstWeight = `${u.network} ${u.name} [${u.shape}]`;
          }
          relativeWeightDifference = Math.max(
            relativeWeightDifference,
            difference / (Math.abs(u.values[j] as number) + 1e-3),
          );
        }
        weightCount += u.values.length;
        if (tensorWorst > list) {
          worstTensors.push(`${u.network} ${u.name} [${u.shape}]: ${tensorWorst.toExponential(2)}`);
        }
      }
      return {
        steps: x.step,
        losses: {
          a: x.losses.flatMap((l) => [l.discriminator, l.generator]),
          b: y.losses.flatMap((l) => [l.discriminator, l.generator]),
        },
        lossDifference,
        weightDifference,
        worstWeight,
        relativeWeightDifference,
        weightCount,
        differing,
        exceeding,
        worstTensors,
      };
    },
    [a, b, thresholds, listAbove] as const,
  );
}

/** Trains `settings` on `backend` with the Step button, keeping snapshots `${key}-0` and `${key}-end`. */
async function trainSeeded(backend: string, key: string, settings: RunSettings, timeout: number): Promise<void> {
  await setUpSeeded(backend, settings, timeout);
  await keepSnapshot(`${key}-0`, timeout);
  for (let i = 0; i < settings.steps; i++) {
    const updates = await viewUpdates();
    await page.click('#step');
    await page.waitForFunction((n) => Number(document.querySelector('#step-count')?.textContent) === n, i + 1, {
      timeout,
    });
    await page.waitForFunction(
      (count) => Number(document.querySelector('#view')?.getAttribute('data-updates') ?? 0) > count,
      updates,
      { timeout },
    );
  }
  await keepSnapshot(`${key}-end`, timeout);
}

/**
 * What WebGPU may differ from wasm by. Float32 arithmetic on the GPU rounds differently (other summation
 * orders in matrix products and reductions, no fused multiply-adds, float32 sums where the wasm kernels add
 * in float64). The losses show it in the 7th digit. The weights need a looser rule: Adam divides each
 * gradient by its running RMS, so a weight whose gradient is only rounding noise (the bias of a layer that
 * batch norm follows: its true gradient is 0) moves a whole step, ±lr, in whichever direction the rounding
 * picks, and the two backends can move it in opposite directions. No small bound holds for every weight;
 * a wrong kernel, though, sends a large share of its tensor's weights a whole step the wrong way.
 */
const tolerance = {
  /** |Δ| of each step's D and G loss. Measured: 2.4e-7 (MLP GAN), 1.1e-6 (MNIST DCGAN). */
  loss: 1e-5,
  /** A weight agrees when |Δw| ≤ this share of one Adam step (the learning rate). */
  stepShare: 0.1,
  /**
   * At most this share of all weights may disagree. Measured: 6 of 794,371 (MLP GAN, 3 steps), 1,491 of
   * 13,216,386 (MNIST DCGAN, 2 steps, 182 of them over lr / 2).
   */
  disagreeing: 1e-3,
  /**
   * No weight may be further apart than two opposite Adam steps per step, in lr per step (with β1 = 0.5 an
   * Adam step is at most lr, 1.05 lr and 1.13 lr in the first three steps). Measured: 0.15 lr (MLP GAN, after 3
   * steps), 3.0 lr (MNIST DCGAN after 2, in the bias of the convolution before batch norm).
   */
  stepsApart: 2.2,
};

/** Minutes: WebGPU on a software adapter is slow, and CI has two shared cores. */
const minutes = (count: number) => count * 60_000;

describe.skipIf(!webgpu.available)(
  webgpu.available
    ? `WebGPU in headless Chromium (${webgpu.browser}, adapter ${describeAdapter(webgpu.adapter)}) against wasm`
    : `WebGPU in headless Chromium: SKIPPED, ${webgpu.reason}`,
  () => {
    async function compareBackends(name: string, settings: RunSettings): Promise<void> {
      const stepTimeout = minutes(6);
      const started = Date.now();
      await trainSeeded('wasm', `${name}-wasm`, settings, stepTimeout);
      const wasmSeconds = (Date.now() - started) / 1000;
      await trainSeeded('webgpu', `${name}-webgpu`, settings, stepTimeout);
      const webgpuSeconds = (Date.now() - started) / 1000 - wasmSeconds;
      if (webgpu.available) {
        // The page names the adapter tfjs runs on; it is the one the probe found.
        const shown = await text('#adapter');
        expect(shown).toContain(webgpu.adapter.architecture);
        expect(shown).toContain(webgpu.adapter.vendor);
      }
      expect(await text('#backend-reason')).toMatch(/^webgpu \(WebGPU on /);

      const lr = settings.learningRate;
      // Reported: weights more than lr / 1000, lr / 100, lr / 10 (the rule), lr / 2 and lr apart.
      const thresholds = [1e-3, 1e-2, tolerance.stepShare, 0.5, 1].map((share) => share * lr);
      const agreeing = tolerance.stepShare * lr;
      const initial = await compareSnapshots(`${name}-wasm-0`, `${name}-webgpu-0`, thresholds, agreeing);
      expect(initial.weightDifference).toBe(0); // the seeded initializers draw in JavaScript: identical weights
      const trained = await compareSnapshots(`${name}-wasm-end`, `${name}-webgpu-end`, thresholds, agreeing);
      console.log(
        `${name}: ${settings.steps} steps, wasm ${wasmSeconds.toFixed(0)} s, webgpu ${webgpuSeconds.toFixed(0)} s; ` +
          `losses (D, G per step) wasm ${trained.losses.a.map((l) => l.toFixed(6)).join(' ')}, ` +
          `webgpu ${trained.losses.b.map((l) => l.toFixed(6)).join(' ')}; max |Δloss| ${trained.lossDifference.toExponential(2)}; ` +
          `max |Δw| ${trained.weightDifference.toExponential(2)} (in ${trained.worstWeight}), ` +
          `max relative ${trained.relativeWeightDifference.toExponential(2)}; ` +
          `${trained.differing} of ${trained.weightCount} weights differ at all; above ${thresholds.map((t) => t.toExponential(0)).join(', ')}: ` +
          `${trained.exceeding.join(', ')}; worst tensors: ${trained.worstTensors.join('; ')}`,
      );
      expect(trained.steps).toBe(settings.steps);
      expect(trained.losses.b.every(Number.isFinite)).toBe(true);
      expect(trained.lossDifference).toBeLessThanOrEqual(tolerance.loss);
      expect(trained.exceeding[2]).toBeLessThanOrEqual(tolerance.disagreeing * trained.weightCount);
      expect(trained.weightDifference).toBeLessThanOrEqual(tolerance.stepsApart * settings.steps * lr);
      expect(pageErrors).toEqual([]);
    }

    it(
      'trains the MLP GAN on the ring (seed 3, batch 64, 3 steps) on WebGPU in a Web Worker: losses and weights agree with wasm',
      async () => {
        await compareBackends('mlp', {
          task: 'points',
          dataset: 'ring',
          batchSize: 64,
          seed: 3,
          learningRate: 1e-3,
          steps: 3,
        });
        expect(await text('#thread')).toBe('Web Worker');
      },
      minutes(20),
    );

    it(
      'trains the MNIST DCGAN on shapes (seed 3, batch 8, 2 steps) on WebGPU in a Web Worker: losses and weights agree with wasm',
      async () => {
        // Both sides on tfjs's batch-norm ops: @gan/backend's GanBatchNormTraining (float64 moments, checked against
        // the stock ops in @gan/train's batch-norm-kernel test) rounds differently, and on this untrained DCGAN the
        // G step amplifies that: D's convolution before batch norm sees near-constant fakes, so ~1e-5 differences in
        // its weights flip the sign of many of G's gradients (in Node, the MNIST DCGAN at batch 8 on random images,
        // after one D and one G step: wasm with the kernel against wasm without it, 25,634 weights over lr / 10;
        // wasm without it against the cpu backend, 679). With the kernel on the wasm side this test saw 483,885.
        await page.goto(`${server.url}?batch-norm=stock`);
        await compareBackends('dcgan', {
          task: 'dcgan-mnist',
          dataset: 'shapes',
          batchSize: 8,
          seed: 3,
          learningRate: 2e-4,
          steps: 2,
        });
      },
      minutes(30),
    );
  },
);
