export { fileSystemHandler } from './file-system-handler.js';
export { loadModel, saveModel } from './save-load.js';
