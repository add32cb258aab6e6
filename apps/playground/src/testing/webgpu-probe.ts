import { chromiumFlags, launchChromium } from './chromium.js';

/** What `navigator.gpu.requestAdapter()` gave in the test browser (`GPUAdapterInfo`'s fields). */
export interface WebGpuAdapter {
  vendor: string;
  architecture: string;
  device: string;
  description: string;
  isFallbackAdapter: boolean;
}

/** Whether the playground's WebGPU tests can run, and if not, why. */
export type WebGpuProbe =
  | { available: true; adapter: WebGpuAdapter; browser: string }
  | { available: false; reason: string; browser: string };

/**
 * Asks headless Chromium, launched as the end-to-end tests launch it, for a WebGPU adapter on `url` (a page
 * served on 127.0.0.1: WebGPU needs a secure context) and in a dedicated worker there, where the playground
 * trains. `GAN_WEBGPU_TESTS=skip` skips the tests without asking.
 */
export async function probeWebGpu(url: string): Promise<WebGpuProbe> {
  if (process.env.GAN_WEBGPU_TESTS === 'skip') {
    return { available: false, reason: 'GAN_WEBGPU_TESTS=skip is set', browser: 'not launched' };
  }
  const browser = await launchChromium();
  try {
    const page = await browser.context.newPage();
    const messages: string[] = [];
    page.on('console', (message) => {
      // The page's own requests (a missing favicon) say nothing about WebGPU.
      if (!message.text().startsWith('Failed to load resource')) messages.push(message.text());
    });
    await page.goto(url);
    const version = browser.context.browser()?.version() ?? (await page.evaluate(() => navigator.userAgent));
    const found = await page.evaluate(async () => {
      const gpu = (navigator as { gpu?: { requestAdapter(): Promise<{ info?: Record<string, unknown> } | null> } }).gpu;
      if (gpu === undefined) return { error: 'navigator.gpu is undefined' };
      const adapter = await gpu.requestAdapter();
      if (adapter === null) return { error: 'navigator.gpu.requestAdapter() gave null' };
      const info = adapter.info ?? {};
      const source =
        'onmessage = async () => { const a = await navigator.gpu?.requestAdapter(); postMessage(a ? "adapter" : String(a)); };';
      const worker = new Worker(URL.createObjectURL(new Blob([source], { type: 'text/javascript' })));
      const inWorker = await new Promise<string>((resolve) => {
        worker.onmessage = (event) => resolve(String(event.data));
        worker.onerror = (event) => resolve(`error ${event.message}`);
        worker.postMessage(0);
      });
      worker.terminate();
      return {
        inWorker,
        adapter: {
          vendor: String(info.vendor ?? ''),
          architecture: String(info.architecture ?? ''),
          device: String(info.device ?? ''),
          description: String(info.description ?? ''),
          isFallbackAdapter: info.isFallbackAdapter === true,
        },
      };
    });
    const browserName = `Chromium ${version}`;
    const said = messages.length > 0 ? ` (the browser said: ${messages.join('; ')})` : '';
    if ('error' in found) {
      return {
        available: false,
        reason: `${browserName} with ${chromiumFlags.join(' ')} gives no WebGPU adapter: ${found.error}${said}`,
        browser: browserName,
      };
    }
    if (found.inWorker !== 'adapter') {
      return {
        available: false,
        reason: `${browserName} gives a WebGPU adapter on the page but not in a Web Worker (${found.inWorker})${said}`,
        browser: browserName,
      };
    }
    return { available: true, adapter: found.adapter, browser: browserName };
  } finally {
    await browser.close();
  }
}

/** An adapter in one line: `google / swiftshader (fallback adapter)`. */
export function describeAdapter(adapter: WebGpuAdapter): string {
  const fields = [adapter.vendor, adapter.architecture, adapter.device, adapter.description].filter((f) => f !== '');
  return `${fields.join(' / ') || 'unnamed adapter'}${adapter.isFallbackAdapter ? ' (fallback adapter)' : ''}`;
}
