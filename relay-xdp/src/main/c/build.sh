#!/usr/bin/env bash
# Builds the XDP programs (clang -target bpf) and the JNI library (gcc over libbpf) into the jar's resources.
# Without the tools it records why in unavailable.txt and succeeds: the jar then reports XDP as unavailable.
# Usage: build.sh TARGET_DIR JAVA_HOME
set -euo pipefail
target="$1"
java_home="${2:-${JAVA_HOME:-}}"
src="$(cd "$(dirname "$0")" && pwd)"
out="$target/classes/io/turnrelay/xdp"
mkdir -p "$out"
rm -f "$out/unavailable.txt" "$out/turn_xdp.bpf.o" "$out/xdp_pass.bpf.o" "$out/libturnrelay_xdp.so"

unavailable() {
  echo "$1" > "$out/unavailable.txt"
  echo "[relay-xdp] XDP offload not built: $1" >&2
  exit 0
}

[ "$(uname -s)" = Linux ] || unavailable "not built on Linux"
[ "$(uname -m)" = x86_64 ] || unavailable "not built on x86_64"
command -v clang >/dev/null 2>&1 || unavailable "clang is not installed (apt-get install clang llvm)"
command -v gcc >/dev/null 2>&1 || unavailable "gcc is not installed"
[ -f /usr/include/bpf/libbpf.h ] || unavailable "libbpf's headers are not installed (apt-get install libbpf-dev)"
[ -n "$java_home" ] && [ -f "$java_home/include/jni.h" ] || unavailable "no jni.h under JAVA_HOME=$java_home"
[ -f "$target/native/include/io_turnrelay_xdp_NativeXdp.h" ] || unavailable "javac wrote no JNI header"

multiarch="$(gcc -print-multiarch)"
for program in turn_xdp xdp_pass; do
  clang -O2 -g -Wall -Werror -target bpf -I"/usr/include/$multiarch" -c "$src/$program.bpf.c" -o "$out/$program.bpf.o"
  # Keeps BTF (libbpf needs it for the maps), drops DWARF.
  if command -v llvm-strip >/dev/null 2>&1; then llvm-strip -g "$out/$program.bpf.o"; fi
done

# A program the verifier refuses, for the test that its refusal reaches the user.
mkdir -p "$target/test-bpf"
clang -O2 -g -target bpf -I"/usr/include/$multiarch" -c "$src/../../test/c/refused.bpf.c" -o "$target/test-bpf/refused.bpf.o"

compile() {
  gcc -O2 -fPIC -shared -Wall -Wextra -Werror -I"$java_home/include" -I"$java_home/include/linux" \
    -I"$target/native/include" -I"$src" "$src/turn_xdp_jni.c" -o "$out/libturnrelay_xdp.so" -Wl,--no-undefined "$@"
}
# Debian's libbpf.a is not position-independent, so the library links libbpf.so.1 (package libbpf1).
compile -lbpf
echo "[relay-xdp] built $(cd "$out" && ls turn_xdp.bpf.o xdp_pass.bpf.o libturnrelay_xdp.so | tr '\n' ' ')" >&2
