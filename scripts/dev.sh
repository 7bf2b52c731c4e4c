#!/usr/bin/env bash
# One entry point for the README's quick start and for CI:
#   scripts/dev.sh demo   install what is missing, build, run the demo
#   scripts/dev.sh test   install what is missing, build, run every test, then again under ASan+UBSan
# Works as root on a fresh Debian 12 machine (uses sudo for apt when not root).
set -euo pipefail
cd "$(dirname "$0")/.."

# Debian 12 packages the build and the tests need.
PACKAGES=(cmake ninja-build g++ pkg-config libgtest-dev libgmock-dev libcli11-dev nlohmann-json3-dev
          libpcre2-dev libutf8proc-dev libyaml-cpp-dev libboost-dev libgrpc++-dev libprotobuf-dev
          protobuf-compiler protobuf-compiler-grpc python3 python3-numpy python3-jinja2)
# What only the tests need: promtool (in `prometheus`) lints the metrics port's output and a real
# Prometheus scrapes it; Python grpcio is a real gRPC client.
TEST_PACKAGES=(prometheus python3-grpcio python3-grpc-tools)
JOBS=${JOBS:-$(nproc)}

install_missing() {
  local missing=()
  for p in "$@"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  echo "== installing: ${missing[*]}"
  local sudo=""
  [ "$(id -u)" -ne 0 ] && sudo="sudo"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"
}

# build DIR [cmake args...]
build() {
  local dir=$1; shift
  cmake -S . -B "$dir" -G Ninja "$@" >/dev/null
  cmake --build "$dir" -j "$JOBS"
}

run_tests() {
  local dir=$1
  ctest --test-dir "$dir" --output-on-failure -j "$JOBS" --timeout 900
}

demo() {
  build build -DCMAKE_BUILD_TYPE=Release
  # The bundled demo repository (three slices: a small synthetic llama chat model, a BERT embedder
  # and a BERT reranker) is written into build/demo-repository on first start. Ctrl-C stops it.
  echo "== tessera serve: try the curl examples in README.md (HTTP :8000, gRPC :8001, metrics :8002)"
  exec ./build/tessera serve
}

test_all() {
  echo "== release build + tests"
  build build -DCMAKE_BUILD_TYPE=Release
  run_tests build
  echo "== AddressSanitizer + UndefinedBehaviorSanitizer build + tests"
  build build-asan -DCMAKE_BUILD_TYPE=RelWithDebInfo -DTESSERA_SANITIZE=ON
  ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
    run_tests build-asan
}

case "${1:-}" in
  demo) install_missing "${PACKAGES[@]}"; demo ;;
  test) install_missing "${PACKAGES[@]}" "${TEST_PACKAGES[@]}"; test_all ;;
  *) echo "usage: scripts/dev.sh demo|test" >&2; exit 2 ;;
esac
