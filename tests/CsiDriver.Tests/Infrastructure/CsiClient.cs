using CsiDriver.Grpc;
using CsiDriver.Protos.Csi.V1;
using Google.Protobuf;

namespace CsiDriver.Tests.Infrastructure;

/// <summary>Plays kubelet: typed CSI calls over the driver's unix socket with our gRPC client.</summary>
public sealed class CsiClient : IDisposable
{
    private static readonly TimeSpan DefaultTimeout = TimeSpan.FromSeconds(30);
    private readonly UnixSocketGrpcClient _client;

    public CsiClient(string socketPath)
    {
        _client = new UnixSocketGrpcClient(socketPath);
    }

    public Task<TResponse> CallAsync<TResponse>(string path, IMessage request, MessageParser<TResponse> parser, TimeSpan? timeout = null)
        where TResponse : class, IMessage<TResponse> =>
        _client.CallAsync(path, request, parser, timeout ?? DefaultTimeout);

    public Task<NodePublishVolumeResponse> PublishAsync(NodePublishVolumeRequest request, TimeSpan? timeout = null) =>
        CallAsync("/csi.v1.Node/NodePublishVolume", request, NodePublishVolumeResponse.Parser, timeout);

    public Task<NodeUnpublishVolumeResponse> UnpublishAsync(string volumeId, string targetPath) =>
        CallAsync("/csi.v1.Node/NodeUnpublishVolume", new NodeUnpublishVolumeRequest { VolumeId = volumeId, TargetPath = targetPath }, NodeUnpublishVolumeResponse.Parser);

    /// <summary>Runs a call expected to fail and returns its status.</summary>
    public static async Task<RpcException> FailsAsync(Func<Task> call)
    {
        try
        {
            await call();
        }
        catch (RpcException ex)
        {
            return ex;
        }

        throw new Xunit.Sdk.XunitException("the call succeeded but was expected to fail");
    }

    /// <summary>A NodePublishVolumeRequest as kubelet sends it for an inline volume.</summary>
    public static NodePublishVolumeRequest PublishRequest(
        string targetPath,
        string className = "app",
        string volumeId = "csi-vol-1",
        string podNamespace = "default",
        string? fsGroup = null,
        IDictionary<string, string>? extraContext = null)
    {
        var request = new NodePublishVolumeRequest
        {
            VolumeId = volumeId,
            TargetPath = targetPath,
            Readonly = true,
            VolumeCapability = new VolumeCapability
            {
                Mount = new VolumeCapability.Types.MountVolume { VolumeMountGroup = fsGroup ?? string.Empty },
                AccessMode = new VolumeCapability.Types.AccessMode { Mode = VolumeCapability.Types.AccessMode.Types.Mode.SingleNodeReaderOnly },
            },
        };
        request.VolumeContext.Add("secretProviderClass", className);
        request.VolumeContext.Add("csi.storage.k8s.io/pod.name", "app-pod");
        request.VolumeContext.Add("csi.storage.k8s.io/pod.namespace", podNamespace);
        request.VolumeContext.Add("csi.storage.k8s.io/pod.uid", "pod-1");
        request.VolumeContext.Add("csi.storage.k8s.io/serviceAccount.name", "app-sa");
        request.VolumeContext.Add("csi.storage.k8s.io/ephemeral", "true");
        if (extraContext is not null)
        {
            request.VolumeContext.Add(extraContext);
        }

        return request;
    }

    public void Dispose() => _client.Dispose();
}
