// Loads a generator from files the user picks and draws a grid of samples, with the published @gan
// API. Built with Vite (the `?url` imports are Vite's): `npx vite build examples/browser-sample`.
import { initBackend } from '@gan/backend';
import { createRandom } from '@gan/core';
import { registerLayers } from '@gan/layers';
import { ganInfo } from '@gan/models';
import { imageGrid } from '@gan/train';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import plainWasm from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm.wasm?url';
import simdWasm from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-simd.wasm?url';
import threadedSimdWasm from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-threaded-simd.wasm?url';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';

const info = document.getElementById('info');
const canvas = document.getElementById('grid');
const files = document.getElementById('files');

// tfjs-backend-wasm fetches its .wasm files next to the script; a bundler moves the script, so say
// where they are (here: the files' own URLs, which Vite emits as assets).
setWasmPaths({
  'tfjs-backend-wasm.wasm': new URL(plainWasm, location.href).href,
  'tfjs-backend-wasm-simd.wasm': new URL(simdWasm, location.href).href,
  'tfjs-backend-wasm-threaded-simd.wasm': new URL(threadedSimdWasm, location.href).href,
});
// WebGPU or WebGL on a GPU, else wasm, else cpu.
const backend = initBackend({ prefer: 'auto' });

files.addEventListener('change', async () => {
  try {
    const { name } = await backend;
    registerLayers();
    const picked = [...files.files];
    const json = picked.find((file) => file.name.endsWith('.json'));
    const generator = await tfl.loadLayersModel(tf.io.browserFiles([json, ...picked.filter((f) => f !== json)]));
    const gan = ganInfo({ generator });
    const count = 64;
    const random = createRandom(0);
    const size = count * gan.latentDim;
    const uniform = document.getElementById('noise').value === 'uniform';
    const z = tf.tensor2d(uniform ? random.uniform(size, -1, 1) : random.normal(size, 0, 1), [count, gan.latentDim]);
    const labels = gan.numClasses
      ? tf.cast(
          tf.oneHot(
            tf.tensor1d(
              Array.from({ length: count }, (_, i) => i % gan.numClasses),
              'int32',
            ),
            gan.numClasses,
          ),
          'float32',
        )
      : undefined;
    const samples = generator.predict(labels ? [z, labels] : z);
    const grid = imageGrid(samples, { range: gan.outputRange ?? [-1, 1], columns: gan.numClasses ?? 8 });
    const width = grid.shape[1];
    canvas.style.width = `${width * 3}px`;
    await tf.browser.toPixels(grid, canvas); // sizes the canvas to the grid; 1 or 3 channels in [0, 1]
    info.textContent = `${gan.name}: z ${gan.latentDim} → [${gan.imageShape.join(', ')}], on ${name}`;
    tf.dispose([z, labels, samples, grid].filter(Boolean));
  } catch (error) {
    info.textContent = error.message;
  }
});
