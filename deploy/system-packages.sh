#!/usr/bin/env bash
# Debian packages the platform needs: the jail's interpreter (python3.11 from Debian, readable
# by the unprivileged jail user), valgrind (the `valgrind` cost meter, mounted read-only into
# its jails), the toolchains of C++ (g++), Java (OpenJDK 17), Go and Rust (Node.js comes with
# npm for the front-end assets and is the JavaScript runtime) and, for the test suite
# (WITH_BROWSER=1), chromium and redis-server (the fault-injection tests start and restart a
# private Redis of their own).
set -euo pipefail
need=()
[ -x /usr/bin/python3.11 ] || need+=(python3.11-minimal libpython3.11-stdlib)
command -v npm >/dev/null || need+=(nodejs npm)
[ -x /usr/bin/valgrind ] || need+=(valgrind)
# The compilers and runtimes of the other languages (docs/languages.md), run inside the jail.
[ -x /usr/bin/g++ ] || need+=(g++)
[ -x /usr/lib/jvm/java-17-openjdk-amd64/bin/javac ] || need+=(openjdk-17-jdk-headless)
[ -x /usr/bin/rustc ] || need+=(rustc)
[ -x /usr/lib/go-1.19/bin/go ] || need+=(golang-go)
if [ "${WITH_BROWSER:-0}" = "1" ] && [ ! -x /usr/bin/chromium ]; then need+=(chromium); fi
if [ "${WITH_BROWSER:-0}" = "1" ] && ! command -v redis-server >/dev/null; then need+=(redis-server); fi
if [ ${#need[@]} -eq 0 ]; then exit 0; fi
if [ "$(id -u)" != "0" ]; then
  echo "Missing Debian packages: ${need[*]} (run as root or install them: apt-get install ${need[*]})" >&2
  exit 1
fi
echo "Installing Debian packages: ${need[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
