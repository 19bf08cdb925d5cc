#!/usr/bin/env bash
# Builds `unmask` with `--features cuda` on a machine WITHOUT a CUDA toolkit or GPU (e.g. to carry
# the binary to a GPU box that has the driver and the CUDA 13 runtime libraries but no Rust).
# On a machine with the CUDA toolkit installed, plain `cargo build --release --features cuda` is all
# you need; this script is for the other case.
#
# It fetches NVIDIA's nvcc/nvvm/runtime/crt/cccl wheels (CUDA 13.0) from PyPI into a private
# toolkit folder, adds link-time stand-ins for the driver, cuBLAS, cuRAND and NVRTC libraries
# (generated from the symbol names cudarc declares; the real libraries are found at run time), and
# builds for compute capability $CUDA_COMPUTE_CAP (default 90 = H100/H200).
# Output: target-cuda/release/unmask (and a stripped, xz-compressed copy in target-cuda/unmask.xz).
# At run time the GPU machine needs libcuda.so.1 (driver), libcudart.so.13, libcublas.so.13,
# libcublasLt.so.13 and libcurand.so.10 on LD_LIBRARY_PATH (.ci/gpu-run.sh finds them).
set -euo pipefail
cd "$(dirname "$0")/.."
root=${CUDA_WHEELS_DIR:-$PWD/target-cuda/toolkit}
cuda=$root/nvidia/cu13
if [ ! -x "$cuda/bin/nvcc" ] || [ ! -x "$cuda/nvvm/bin/cicc" ]; then
  mkdir -p "$root/wheels"
  python3 -m pip download --no-deps --only-binary=:all: --python-version 3.12 --implementation cp \
    --platform manylinux_2_27_x86_64 --platform manylinux2014_x86_64 --platform manylinux_2_17_x86_64 \
    --platform manylinux_2_12_x86_64 --platform manylinux2010_x86_64 -d "$root/wheels" \
    "nvidia-cuda-nvcc==13.0.*" "nvidia-nvvm==13.0.*" "nvidia-cuda-runtime==13.0.*" \
    "nvidia-cuda-crt==13.0.*" "nvidia-cuda-cccl==13.0.*"
  for w in "$root"/wheels/*.whl; do python3 -m zipfile -e "$w" "$root"; done
  chmod +x "$cuda"/bin/* "$cuda"/nvvm/bin/*
  ln -sf libcudart.so.13 "$cuda/lib/libcudart.so"
fi
# Link-time stand-ins: one empty function per symbol cudarc can reference, with the real soname.
reg=$(ls -d "${CARGO_HOME:-$HOME/.cargo}"/registry/src/*/cudarc-0.19.* 2>/dev/null | sort | tail -1)
if [ -z "$reg" ]; then cargo fetch; reg=$(ls -d "${CARGO_HOME:-$HOME/.cargo}"/registry/src/*/cudarc-0.19.* | sort | tail -1); fi
for spec in driver:cuda:libcuda.so.1:cu cublas:cublas:libcublas.so.13:cublas \
            cublaslt:cublasLt:libcublasLt.so.13:cublasLt curand:curand:libcurand.so.10:curand \
            nvrtc:nvrtc:libnvrtc.so.13:nvrtc; do
  IFS=: read -r module lib soname prefix <<< "$spec"
  out=$cuda/lib/lib$lib.so
  [ -f "$out" ] && continue
  grep -oE "fn ${prefix}[A-Za-z0-9_]+" "$reg/src/$module/sys/mod.rs" | sed 's/^fn //' | sort -u |
    awk '{print "void "$1"(void){}"}' > "$root/$lib-stub.c"
  cc -shared -fPIC -w -o "$out" -Wl,-soname,"$soname" "$root/$lib-stub.c"
done
export CUDA_HOME=$cuda PATH=$cuda/bin:$PATH CUDA_COMPUTE_CAP=${CUDA_COMPUTE_CAP:-90}
# The binary runs on another machine's CPU: build for x86-64-v3 (AVX2/FMA, every x86 server since
# 2015) instead of .cargo/config.toml's target-cpu=native.
export RUSTFLAGS="-C target-cpu=x86-64-v3"
cargo build --release --features cuda --target-dir target-cuda
strip -o target-cuda/unmask.stripped target-cuda/release/unmask
xz -T0 -6 -c target-cuda/unmask.stripped > target-cuda/unmask.xz
ls -la target-cuda/release/unmask target-cuda/unmask.xz
