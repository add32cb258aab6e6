// Training speed of the MNIST DCGAN (dcgan-mnist) in the built playground, per browser backend, in
// headless Chromium: img/s = real images the discriminator consumes per second, steady state.
//
//   npx vite build && node scripts/bench.mjs [backends=wasm,webgl,cpu] [batch=64] [steps=3]
//   GAN_BENCH_ISOLATION=off node scripts/bench.mjs wasm   # without COOP/COEP: single-threaded wasm
//
// Each backend: set up on the built-in shapes set, one warm-up step, then `steps` timed steps while
// training runs (the page keeps drawing samples and the loss chart, as a user would see it).
import { createReadStream, existsSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { dirname, extname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

const dist = join(dirname(fileURLToPath(import.meta.url)), '..', 'dist');
const [backendList = 'wasm,webgl,cpu', batchText = '64', stepsText = '3'] = process.argv.slice(2);
const batch = Number(batchText);
const steps = Number(stepsText);
const types = { '.html': 'text/html', '.js': 'text/javascript', '.css': 'text/css', '.wasm': 'application/wasm' };

if (!existsSync(join(dist, 'index.html'))) {
  console.error('Build the playground first: npx vite build');
  process.exit(1);
}
const server = createServer((request, response) => {
  let file = join(dist, decodeURIComponent(new URL(request.url ?? '/', 'http://x').pathname));
  if (file.endsWith('/')) file += 'index.html';
  if (!file.startsWith(dist) || !existsSync(file)) return void response.writeHead(404).end();
  // Cross-origin isolation (SharedArrayBuffer, so wasm threads); GAN_BENCH_ISOLATION=off drops it.
  const isolation =
    process.env.GAN_BENCH_ISOLATION === 'off'
      ? {}
      : { 'Cross-Origin-Opener-Policy': 'same-origin', 'Cross-Origin-Embedder-Policy': 'require-corp' };
  response.writeHead(200, { 'Content-Type': types[extname(file)] ?? 'application/octet-stream', ...isolation });
  createReadStream(file).pipe(response);
});
await new Promise((done) => server.listen(0, '127.0.0.1', done));
const url = `http://127.0.0.1:${server.address().port}/`;
const profile = mkdtempSync(join(tmpdir(), 'gan-bench-'));
const context = await chromium.launchPersistentContext(profile, {
  executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
  headless: true,
  args: [
    '--headless',
    '--no-sandbox',
    '--disable-gpu',
    '--no-first-run',
    '--disable-background-networking',
    '--disable-component-update',
    '--disable-sync',
    '--enable-unsafe-swiftshader',
  ],
});

const results = [];
for (const backend of backendList.split(',')) {
  const page = await context.newPage();
  await page.goto(url);
  await page.selectOption('#backend', backend);
  await page.selectOption('#task', 'dcgan-mnist');
  await page.fill('#batch-size', String(batch));
  await page.click('#setup');
  await page.waitForFunction(
    () =>
      !document.querySelector('#start').disabled || document.querySelector('#message').textContent !== 'Setting up…',
    null,
    { timeout: 300_000 },
  );
  const message = (await page.textContent('#message')).trim();
  if (message !== '') {
    results.push({ backend, error: message });
    console.log(`${backend}: ${message}`);
    await page.close();
    continue;
  }
  const reason = (await page.textContent('#backend-reason')).trim();
  const thread = (await page.textContent('#thread')).trim();
  await page.click('#start');
  const stepAt = async (n) => {
    await page.waitForFunction((k) => Number(document.querySelector('#step-count').textContent) >= k, n, {
      timeout: 0,
      polling: 50,
    });
    return performance.now();
  };
  const started = await stepAt(1);
  const ended = await stepAt(1 + steps);
  await page.click('#pause');
  const seconds = (ended - started) / 1000;
  const result = {
    backend,
    reason,
    thread,
    batch,
    steps,
    secondsPerStep: seconds / steps,
    imagesPerSecond: (batch * steps) / seconds,
  };
  results.push(result);
  console.log(
    `${backend}: ${result.imagesPerSecond.toFixed(2)} img/s (${result.secondsPerStep.toFixed(2)} s/step, batch ${batch}; ${thread}; ${reason})`,
  );
  await page.close();
}
console.log(JSON.stringify(results, null, 2));
await context.close();
rmSync(profile, { recursive: true, force: true });
server.close();
