import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-wasm';
await tf.setBackend('wasm');
function time(name, f, flops, reps=5) {
  f(); // warm
  const t0 = performance.now();
  for (let i=0;i<reps;i++) f();
  const ms = (performance.now()-t0)/reps;
  console.log(name, ms.toFixed(2), 'ms', (flops/ms/1e6).toFixed(2), 'GFLOP/s');
}
const a = tf.randomNormal([1024, 3136]), b = tf.randomNormal([3136, 128]);
time('matmul 1024x3136x128', () => tf.tidy(()=>tf.matMul(a,b).dataSync()), 2*1024*3136*128);
const a2 = tf.randomNormal([64, 1024]), b2 = tf.randomNormal([1024, 6272]);
time('matmul 64x1024x6272', () => tf.tidy(()=>tf.matMul(a2,b2).dataSync()), 2*64*1024*6272);
time('matmul 64x1024x6272 transB-slow', () => tf.tidy(()=>tf.matMul(a2,b2.reshape([6272,1024]),false,true).dataSync()), 2*64*1024*6272,1);
const x = tf.randomNormal([64,14,14,64]), w = tf.randomNormal([4,4,64,128]);
time('conv 64x14x14x64 k4s2 ->128', () => tf.tidy(()=>tf.conv2d(x,w,2,'same').dataSync()), 2*64*49*128*16*64);
const x3 = tf.randomNormal([64,14,14,64]), w3 = tf.randomNormal([3,3,64,64]);
time('conv 64x14x14x64 k3s1 ->64', () => tf.tidy(()=>tf.conv2d(x3,w3,1,'same').dataSync()), 2*64*196*64*9*64);
