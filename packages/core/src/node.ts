// @gan/core/node: what the Node.js entries of the @gan packages share (files on disk). Not for browsers.
export type { FileContents, WriteFolderAtomicOptions } from './node/atomic.js';
export {
  removeStaleTemporaries,
  syncPath,
  temporaryPath,
  writeFileAtomic,
  writeFilesAtomic,
  writeFolderAtomic,
} from './node/atomic.js';
export type { ModelJsonLocation } from './node/model-json.js';
export { modelJsonName, resolveModelJson } from './node/model-json.js';
