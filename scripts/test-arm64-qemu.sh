#!/usr/bin/env bash
# Runs test projects as linux-arm64 builds under qemu-aarch64 user-mode emulation on an x64 Linux
# host with apt, so the ARM64 code paths (Vector128 on AdvSimd, the scalar kernels, no x86 intrinsics)
# run somewhere without ARM hardware. The emulated CPU is a Neoverse-N1 (ARMv8.2, NEON and dot
# product, no SVE), the core of AWS Graviton2, or ARM64_CPU (cortex-a72: ARMv8.0 without dotprod,
# the Raspberry Pi 4's core). Not part of .ci/run: emulation makes it slow (the Tensors tests take
# about 3 minutes; the model parity tests much longer).
#
#   scripts/test-arm64-qemu.sh                         # Tensors and Models tests
#   scripts/test-arm64-qemu.sh QwenVL.Tensors.Tests     # one project
#   ARM64_ARGS="-class QwenVL.Models.Tests.ParityTests" scripts/test-arm64-qemu.sh QwenVL.Models.Tests
#   ARM64_CPU=cortex-a72 scripts/test-arm64-qemu.sh QwenVL.Tensors.Tests     # ARMv8.0, no sdot
#
# What it does not do: it tests the committed tree (HEAD, through git archive), not uncommitted edits,
# and it changes nothing in the checkout. The copy's test projects are turned into xunit.v3
# executables (the repository's xunit 2 tests need a runner that has no arm64 host here); the test
# sources are the same.
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
projects=("$@")
if [ ${#projects[@]} -eq 0 ]; then
  projects=(QwenVL.Tensors.Tests QwenVL.Models.Tests)
fi
work=$(mktemp -d "${TMPDIR:-/tmp}/qwenvl-arm64.XXXXXX")
trap 'rm -rf "$work"' EXIT

as_root() { if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi; }

# 1. qemu-user and the arm64 C runtime the self-contained .NET app loads (libssl: the test runner's hashing).
if ! command -v qemu-aarch64 >/dev/null || [ ! -e /lib/ld-linux-aarch64.so.1 ] || ! dpkg -s libssl3:arm64 >/dev/null 2>&1; then
  as_root dpkg --add-architecture arm64
  as_root apt-get update -q
  as_root apt-get install -y -q qemu-user libc6:arm64 libstdc++6:arm64 libgcc-s1:arm64 zlib1g:arm64 libssl3:arm64
fi

# 2. A copy of HEAD whose test projects are xunit.v3 executables.
git -C "$root" archive HEAD | tar -x -C "$work"
sed -i 's|<PackageReference Include="Microsoft.NET.Test.Sdk" />||; s|<PackageReference Include="xunit" />|<PackageReference Include="xunit.v3" />|; s|<PackageReference Include="xunit.runner.visualstudio" />||' "$work/Directory.Build.props"
sed -i 's|<IsTestProject>true</IsTestProject>|<IsTestProject>true</IsTestProject><OutputType>Exe</OutputType>|' "$work/Directory.Build.props"
sed -i 's|<PackageVersion Include="xunit" Version="\([^"]*\)" />|&<PackageVersion Include="xunit.v3" Version="3.2.2" />|' "$work/Directory.Packages.props"
# xunit.v3 moved ITestOutputHelper from Xunit.Abstractions into Xunit.
grep -rl --include='*.cs' '^using Xunit.Abstractions;' "$work/tests" | xargs -r sed -i '/^using Xunit.Abstractions;$/d'
# xunit.v3 adds analyzer warnings the repository's xunit 2 build does not have; they are not errors here.
sed -i 's|<TreatWarningsAsErrors>true</TreatWarningsAsErrors>|<TreatWarningsAsErrors>false</TreatWarningsAsErrors>|' "$work/Directory.Build.props"

# The parity fixtures sit beside the checkout (../shared/fixtures) or where QWENVL_FIXTURES says.
fixtures=${QWENVL_FIXTURES:-$(cd "$root/.." && pwd)/shared/fixtures}
cpu=${ARM64_CPU:-neoverse-n1}

status=0
for project in "${projects[@]}"; do
  out="$work/out/$project"
  echo "== $project: publishing for linux-arm64"
  dotnet publish "$work/tests/$project/$project.csproj" -c Release -r linux-arm64 --self-contained -o "$out" -v quiet -nologo -clp:ErrorsOnly
  echo "== $project: running under qemu-aarch64 ($cpu)"
  # W^X off: .NET writes code through a second mapping of its pages, which qemu-user's translation
  # cache does not see; with it on, reflection's emitted invoke stubs ran stale code (SIGILL, NREs).
  # shellcheck disable=SC2086
  if ! QWENVL_FIXTURES="$fixtures" DOTNET_EnableWriteXorExecute=0 qemu-aarch64 -cpu "$cpu" -L / "$out/$project" -noColor ${ARM64_ARGS:-}; then
    status=1
  fi
done
exit $status
