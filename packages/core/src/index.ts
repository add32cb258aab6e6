export {
  finiteNumber,
  formatValue,
  integerAtLeast,
  invalidArgument,
  isPositiveInteger,
  oneOf,
  positiveInteger,
  positiveNumber,
} from './checks.js';
export type { GanErrorCode } from './errors.js';
export { GanError, importOptional } from './errors.js';
export type { GanInfo, GanKind, OutputRange } from './gan-info.js';
export { isConditionalKind } from './gan-info.js';
export type { AdamUpdateAttrs } from './kernels.js';
export {
  adamUpdateKernelName,
  batchNormGradKernelName,
  batchNormTrainingKernelName,
  leakyReluGradKernelName,
} from './kernels.js';
export type { Random } from './random.js';
export { createRandom } from './random.js';
export type { ShapePattern } from './shape.js';
export { assertShape, formatShape, shapeMatches } from './shape.js';
