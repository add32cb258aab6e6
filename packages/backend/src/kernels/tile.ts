import * as tf from '@tensorflow/tfjs-core';
import { asWasm, type TfjsWasmBackend } from '../wasm/internals.js';
import { tileInto } from './algorithms/tile.js';
import { type Strategy, strategyKernel } from './training-kernel.js';

// wasm Tile (batch-norm gradients tile per-channel vectors to whole activations); the stock kernel computes an index
// per element.

interface TileCall {
  backend: TfjsWasmBackend;
  x: tf.TensorInfo;
  reps: number[];
}

const tileStrategies: readonly Strategy<TileCall>[] = [
  {
    name: 'block copies, doubling',
    applies: ({ x, reps }) => x.dtype !== 'string' && x.dtype !== 'complex64' && reps.length === x.shape.length,
    run: ({ backend, x, reps }) => {
      const out = backend.makeOutput(
        x.shape.map((d, i) => d * reps[i]!),
        x.dtype,
      );
      tileInto(backend.typedArrayFromHeap(x), x.shape, reps, backend.typedArrayFromHeap(out));
      return out;
    },
  },
];

/** wasm `Tile` by {@link tileStrategies}; strings and complex numbers: stock. */
export const wasmTile = strategyKernel<TileCall>({
  kernelName: tf.Tile,
  backendName: 'wasm',
  read: (args) => ({
    backend: asWasm(args.backend),
    x: (args.inputs as { x: tf.TensorInfo }).x,
    reps: (args.attrs as unknown as { reps: number[] }).reps,
  }),
  strategies: tileStrategies,
});
