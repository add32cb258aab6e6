import { setThreadsCount, setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import plainUrl from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm.wasm?url';
import simdUrl from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-simd.wasm?url';
import threadedSimdUrl from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-threaded-simd.wasm?url';

/**
 * Points tfjs-backend-wasm at the `.wasm` files Vite emitted as assets (hashed names under
 * `assets/`). Without this, tfjs fetches them next to the script under their original names,
 * which the bundle does not contain. Also asks for one XNNPACK thread per core (at most 8): tfjs'
 * default is half the cores, and threads exist only on cross-origin-isolated pages (the Vite
 * config and the test server send COOP/COEP headers). Call before the wasm backend first starts.
 */
export function useBundledWasmFiles(): void {
  setThreadsCount(Math.max(1, Math.min(self.navigator?.hardwareConcurrency ?? 1, 8)));
  const absolute = (url: string) => new URL(url, self.location.href).href;
  setWasmPaths({
    'tfjs-backend-wasm.wasm': absolute(plainUrl),
    'tfjs-backend-wasm-simd.wasm': absolute(simdUrl),
    'tfjs-backend-wasm-threaded-simd.wasm': absolute(threadedSimdUrl),
  });
}
