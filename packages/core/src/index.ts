export type { GanErrorCode } from './errors.js';
export { GanError, importOptional } from './errors.js';
export type { Random } from './random.js';
export { createRandom } from './random.js';
export type { ShapePattern } from './shape.js';
export { assertShape, formatShape, shapeMatches } from './shape.js';
