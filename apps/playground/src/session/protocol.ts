/** Messages between the page and a training session (in a Web Worker or on the page itself). */

/** Backends the page offers; `auto` lets `initBackend` pick. */
export type BackendOption = 'auto' | 'webgpu' | 'webgl' | 'wasm' | 'cpu';

/** The 2-D point sets. */
export type PointSetName = 'ring' | 'spiral' | 'drawn';

/** The image sets. */
export type ImageSetName = 'shapes' | 'mnist' | 'files';

/** What to train. */
export type TaskConfig =
  | {
      kind: 'points';
      dataset: PointSetName;
      /** Points drawn by the user, `[x0, y0, x1, y1, …]`, for `dataset: 'drawn'`. */
      drawn?: Float32Array;
      batchSize: number;
      seed: number;
    }
  | {
      kind: 'images';
      /** `dcgan-mnist` (unconditional) or `cgan` (conditional, the DCGAN variant). */
      model: 'dcgan-mnist' | 'cgan';
      dataset: ImageSetName;
      /** MNIST idx contents (already decompressed), for `dataset: 'mnist'`. */
      mnist?: { images: Uint8Array; labels?: Uint8Array };
      /** Decoded image files, `count × 28 × 28` gray bytes, with labels from folder names, for `dataset: 'files'`. */
      files?: { pixels: Uint8Array; labels?: Uint8Array; classNames?: string[] };
      batchSize: number;
      seed: number;
    };

/** Page → session. */
export type SessionCommand =
  | {
      type: 'init';
      backend: BackendOption;
      /**
       * Batch norm in training by tfjs's own ops instead of @gan/backend's `GanBatchNormTraining` kernel (the page's
       * `?batch-norm=stock`): for comparing backends on the same arithmetic.
       */
      stockBatchNorm?: boolean;
    }
  | {
      type: 'configure';
      task: TaskConfig;
      generatorLearningRate: number;
      discriminatorLearningRate: number;
    }
  | { type: 'start' }
  | { type: 'pause' }
  | { type: 'step' }
  | { type: 'learning-rates'; generator: number; discriminator: number }
  | { type: 'export' }
  /** Asks for a {@link TrainingSnapshot} (the page's test hook, `window.ganPlayground.snapshot()`). */
  | { type: 'snapshot' };

/** The decision surface and points of a 2-D GAN. */
export interface PointsView {
  kind: 'points';
  /** Real points `[x0, y0, …]` (a subset of the data). */
  real: Float32Array;
  /** Generated points from the fixed noise. */
  fake: Float32Array;
  /** `sigmoid(D)` on a `resolution × resolution` grid over `bounds`, row 0 at the top. */
  surface: Float32Array;
  resolution: number;
  /** Square view `[min, max]` on both axes. */
  bounds: [number, number];
}

/** A grid of generated images from the fixed noise, RGB-or-gray values in [0, 1], row-major. */
export interface ImagesView {
  kind: 'images';
  pixels: Float32Array;
  width: number;
  height: number;
  channels: number;
}

/** The losses of every step so far and the current weights of both networks, in the models' weight order. */
export interface TrainingSnapshot {
  step: number;
  losses: { discriminator: number; generator: number }[];
  weights: { network: 'generator' | 'discriminator'; name: string; shape: number[]; values: Float32Array }[];
}

/** Session → page. */
export type SessionEvent =
  | {
      type: 'ready';
      backend: string;
      reason: string;
      thread: 'worker' | 'page';
      /** The WebGPU adapter tfjs runs on (vendor, architecture, device, description), when the backend is webgpu. */
      adapter?: string;
    }
  | { type: 'configured'; description: string; latentDim: number }
  | {
      type: 'progress';
      step: number;
      discriminatorLoss: number;
      generatorLoss: number;
      /** Real examples per second over the recent steps. */
      imagesPerSecond: number;
      running: boolean;
    }
  | { type: 'view'; view: PointsView | ImagesView }
  | { type: 'state'; running: boolean }
  | { type: 'exported'; artifacts: ExportedModel }
  | { type: 'snapshot'; snapshot: TrainingSnapshot }
  | { type: 'error'; message: string };

/** A saved generator: the parts of `tf.io.ModelArtifacts` that cross `postMessage`. */
export interface ExportedModel {
  modelTopology: object;
  weightSpecs: { name: string; shape: number[]; dtype: string }[];
  weightData: ArrayBuffer;
  format?: string;
  generatedBy?: string;
  convertedBy?: string | null;
  userDefinedMetadata?: Record<string, unknown>;
}
