import '@tensorflow/tfjs-backend-cpu';
import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';

/** Selects the cpu backend; call in `beforeAll`. */
export async function useCpu(): Promise<void> {
  await tf.setBackend('cpu');
}

/** Runs `model` in inference mode and returns its output values and shape. */
export function run(model: tfl.LayersModel, inputs: tf.Tensor | tf.Tensor[]): { shape: number[]; values: number[] } {
  return tf.tidy(() => {
    const output = model.predict(inputs) as tf.Tensor;
    return { shape: output.shape, values: Array.from(output.dataSync()) };
  });
}

/** A deterministic tensor of the given shape with values in [-1, 1]. */
export function wave(shape: number[], phase = 0): tf.Tensor {
  const size = shape.reduce((a, b) => a * b, 1);
  return tf.tensor(
    Array.from({ length: size }, (_, i) => Math.sin(i * 0.7 + phase)),
    shape,
  );
}

/** One-hot rows for the given classes. */
export function oneHotRows(classes: number[], numClasses: number): tf.Tensor2D {
  return tf.tensor2d(classes.map((c) => Array.from({ length: numClasses }, (_, i) => (i === c ? 1 : 0))));
}

/** All weights of a model, flattened, to compare two builds. */
export function weightValues(model: tfl.LayersModel): number[] {
  return model.getWeights().flatMap((w) => Array.from(w.dataSync()));
}
