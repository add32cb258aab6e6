import { registerLayers } from './register.js';

export type { DcganInitializerConfig, Initializer } from './initializers.js';
export { dcganGammaInitializer, dcganWeightInitializer } from './initializers.js';
export type { LabelMapConfig } from './label-map.js';
export { LabelMap, labelMap } from './label-map.js';
export type { OneHotConfig } from './one-hot.js';
export { OneHot, oneHot } from './one-hot.js';
export { registerLayers };

// Importing the package registers its layers, as tfjs-layers does for its own.
registerLayers();
