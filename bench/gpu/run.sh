#!/usr/bin/env bash
# Runs on the GPU machine, from the repository root, with .gpu/ carried (bench/gpu/prepare.sh builds it):
# the MNIST DCGAN (batch 128) and the 64×64 DCGAN (batch 64, 128) on WebGPU (Dawn on the NVIDIA Vulkan driver),
# and the same models in PyTorch CUDA (eager) in the same command. Extra arguments go to bench/run.mjs.
set -euo pipefail
cd "$(dirname "$0")/../.."
gpu=$PWD/.gpu
[ -f "$gpu/bench.mjs" ] || { echo "no .gpu/bench.mjs: run bench/gpu/prepare.sh here first and carry .gpu" >&2; exit 2; }
node=/tmp/gan-node
[ -x "$node" ] || { xz -dc "$gpu/node.xz" > "$node"; chmod +x "$node"; }
dawn=$gpu/node_modules/webgpu/dist/linux-x64/dawn.node
[ -f "$dawn" ] || xz -dc "$dawn.xz" > "$dawn"
if ! ldconfig -p | grep -q 'libvulkan.so.1'; then
  dpkg -x "$gpu"/libvulkan1_*.deb / && ldconfig
fi
# Dawn finds the NVIDIA driver through its Vulkan ICD file; point at it when the loader's search misses it.
if [ -z "${VK_DRIVER_FILES:-}" ]; then
  for icd in /usr/local/nvidia/share/vulkan/icd.d/nvidia_icd.json /usr/share/vulkan/icd.d/nvidia_icd.json \
    /etc/vulkan/icd.d/nvidia_icd.json; do
    if [ -f "$icd" ]; then export VK_DRIVER_FILES=$icd; break; fi
  done
fi
echo "node $("$node" --version); VK_DRIVER_FILES=${VK_DRIVER_FILES:-unset}; $(nvidia-smi --query-gpu=name,driver_version --format=csv,noheader 2>/dev/null || echo 'no nvidia-smi')"
python=$(command -v python3)
cd "$gpu"
exec "$node" bench.mjs --backends webgpu --torch-device cuda --python "$python" \
  --cases dcgan-mnist:128,dcgan64:64,dcgan64:128 --seconds 20 "$@"
