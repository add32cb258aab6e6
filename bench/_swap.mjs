import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '@gan/backend';
await initBackend({ prefer: 'wasm' });
const now=()=>performance.now();
for (const [m,k,n] of [[64,6272,1024],[64,1024,6272],[128,6272,1024],[128,1024,6272]]) {
  const Wts=[]; for(let i=0;i<6;i++) Wts.push(tf.randomNormal([n,k]));
  const xs=[]; for(let i=0;i<6;i++) xs.push(tf.randomNormal([m,k]));
  const t=[], tt=[], tp=[];
  for(let i=0;i<6;i++){
    let s=now(); const xt=tf.transpose(xs[i]); xt.dataSync(); tt.push(now()-s);
    s=now(); const yt=tf.matMul(Wts[i],xt); yt.dataSync(); tp.push(now()-s);
    s=now(); const y=tf.transpose(yt); y.dataSync(); t.push(now()-s);
    xt.dispose(); yt.dispose(); y.dispose();
  }
  const f=a=>a.map(v=>v.toFixed(1)).join(' ');
  console.log(`m${m} k${k} n${n}: xT ${f(tt)} | product ${f(tp)} | yT->y ${f(t)}`);
  // fresh transpose of W
  const Ws=[]; for(let i=0;i<4;i++) Ws.push(tf.randomNormal([k,n]));
  const tw=[]; for(const W of Ws){ const s=now(); const z=tf.transpose(W); z.dataSync(); tw.push(now()-s); z.dispose(); }
  console.log(`   transpose W [${k},${n}]: ${f(tw)}`);
}
