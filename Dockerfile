# Multi-stage build of the driver image.
#
# Runtime base: the chiseled ASP.NET image (Ubuntu "noble"), which has no shell and no package manager.
# The driver needs no tools: mounts and ownership are syscalls made straight from the binary.
#
# Build: ReadyToRun, framework-dependent. NativeAOT would start faster and use less memory, but its
# runtime pack is not on the package mirror our CI uses, so the image and CI build the same way.
# linux/amd64 and linux/arm64 both build from this file (buildx sets TARGETARCH).
FROM --platform=$BUILDPLATFORM mcr.microsoft.com/dotnet/sdk:10.0 AS build
ARG TARGETARCH
WORKDIR /src
COPY . .
RUN dotnet publish src/CsiDriver/CsiDriver.csproj -c Release -a "$TARGETARCH" --self-contained false \
      -p:PublishReadyToRun=true -o /out

FROM mcr.microsoft.com/dotnet/aspnet:10.0-noble-chiseled
COPY --from=build /out /app
# A small gen0 budget keeps the heap near its live size; the driver allocates little per call.
ENV DOTNET_GCgen0size=0x200000 \
    DOTNET_gcServer=0
# Mounting needs root; the DaemonSet runs this container privileged.
USER 0
ENTRYPOINT ["/app/csi-secrets-store"]
