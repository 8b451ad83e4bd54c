# Multi-stage build of the driver image.
#
# Build: a native (NativeAOT) executable. One driver runs on every node, and the native build needs about half
# the memory of the JIT runtime (no JIT, no mapped IL; see tests/CsiDriver.Benchmarks) and starts at once.
# NativeAOT compiles for the platform it runs on, so each architecture builds natively (buildx with QEMU or
# an arm64 builder for linux/arm64); clang and zlib are its linker prerequisites.
#
# Runtime base: the chiseled runtime-deps image (Ubuntu "noble"): glibc, OpenSSL and CA certificates, no
# shell, no package manager, no .NET runtime (the executable carries its own). Mounts and ownership are
# syscalls made straight from the binary.
FROM mcr.microsoft.com/dotnet/sdk:10.0 AS build
RUN apt-get update -qq && apt-get install -y -qq --no-install-recommends clang zlib1g-dev >/dev/null && rm -rf /var/lib/apt/lists/*
WORKDIR /src
COPY . .
RUN dotnet publish src/CsiDriver/CsiDriver.csproj -c Release -o /out

FROM mcr.microsoft.com/dotnet/runtime-deps:10.0-noble-chiseled
COPY --from=build /out/csi-secrets-store /app/csi-secrets-store
# A 2 MiB gen0 budget keeps the heap near its live size (the default follows the CPU cache, tens of MiB).
# The value is hex without "0x": the native runtime ignores a prefixed value.
ENV DOTNET_GCgen0size=200000 \
    DOTNET_gcServer=0
# Mounting needs root; the DaemonSet runs this container privileged.
USER 0
ENTRYPOINT ["/app/csi-secrets-store"]
