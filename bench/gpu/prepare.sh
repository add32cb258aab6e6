#!/usr/bin/env bash
# Builds .gpu/ (git-ignored): what the GPU machine needs to run `npm run bench` on WebGPU beside PyTorch CUDA,
# within the device tool's 64 MiB carry limit. Run here after `npm ci && npm run build`; then, with the device
# tool: run(command: "bash bench/gpu/run.sh", carry: [".gpu"]). See bench/gpu/README.md.
set -euo pipefail
cd "$(dirname "$0")/../.."
out=.gpu
rm -rf "$out"
mkdir -p "$out/node_modules/webgpu/dist/linux-x64"

# 1. Node itself (the GPU machine is not known to have it).
xz -T2 -6 -c "$(command -v node)" > "$out/node.xz"

# 2. The Vulkan loader (the NVIDIA Vulkan driver is there; the loader may not be).
(cd "$out" && apt-get download libvulkan1 >/dev/null)

# 3. bench/run.mjs as one file with tfjs and @gan/* inside; `webgpu` (Dawn, a native addon) stays outside.
npx esbuild bench/run.mjs --bundle --platform=node --format=esm --target=node20 --outfile="$out/bench.mjs" \
  --external:webgpu --external:@tensorflow/tfjs-node --external:@tensorflow/tfjs-node-gpu \
  --external:@tensorflow/tfjs-backend-webgl \
  --banner:js="import { createRequire as __createRequire } from 'node:module'; const require = __createRequire(import.meta.url);" \
  --log-level=warning
cp bench/torch_step.py "$out/torch_step.py"

# 4. The webgpu package with only the linux-x64 Dawn build (xz-compressed; run.sh unpacks it).
cp node_modules/webgpu/package.json node_modules/webgpu/index.js "$out/node_modules/webgpu/"
xz -T2 -6 -c node_modules/webgpu/dist/linux-x64/dawn.node > "$out/node_modules/webgpu/dist/linux-x64/dawn.node.xz"

du -sh "$out"; du -sh "$out"/* "$out/node_modules/webgpu/dist/linux-x64/"*
