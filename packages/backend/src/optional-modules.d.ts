// Optional peers that initBackend() loads with a dynamic import() when they are installed.
// They are not installed in this repository, so they are declared here as untyped modules.
declare module '@tensorflow/tfjs-node';
declare module '@tensorflow/tfjs-node-gpu';
declare module '@tensorflow/tfjs-backend-webgpu';
declare module '@tensorflow/tfjs-backend-webgl';
declare module 'webgpu';
