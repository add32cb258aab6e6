export { GanError, importOptional } from './errors.js';
export type { GanErrorCode } from './errors.js';
export { createRandom } from './random.js';
export type { Random } from './random.js';
export { assertShape, formatShape, shapeMatches } from './shape.js';
export type { ShapePattern } from './shape.js';
