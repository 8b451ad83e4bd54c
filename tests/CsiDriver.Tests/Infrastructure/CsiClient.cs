using CsiDriver.Grpc;
using CsiDriver.Protos.Csi.V1;
using Grpc.Core;
using Grpc.Net.Client;

namespace CsiDriver.Tests.Infrastructure;

/// <summary>Plays kubelet: the generated CSI clients on a Grpc.Net.Client channel to the driver's unix socket.</summary>
public sealed class CsiClient : IDisposable
{
    private static readonly TimeSpan DefaultTimeout = TimeSpan.FromSeconds(30);
    private readonly GrpcChannel _channel;

    public CsiClient(string socketPath)
    {
        _channel = UnixSocketChannel.Create(socketPath);
        Identity = new Identity.IdentityClient(_channel);
        Node = new Node.NodeClient(_channel);
        Controller = new Controller.ControllerClient(_channel);
    }

    public Identity.IdentityClient Identity { get; }

    public Node.NodeClient Node { get; }

    public Controller.ControllerClient Controller { get; }

    /// <summary>Call options with a deadline <paramref name="timeout"/> (30 s by default) from now, as kubelet sets one.</summary>
    public static CallOptions Deadline(TimeSpan? timeout = null) => new(deadline: DateTime.UtcNow + (timeout ?? DefaultTimeout));

    public async Task<NodePublishVolumeResponse> PublishAsync(NodePublishVolumeRequest request, TimeSpan? timeout = null) =>
        await Node.NodePublishVolumeAsync(request, Deadline(timeout));

    public async Task<NodeUnpublishVolumeResponse> UnpublishAsync(string volumeId, string targetPath) =>
        await Node.NodeUnpublishVolumeAsync(new NodeUnpublishVolumeRequest { VolumeId = volumeId, TargetPath = targetPath }, Deadline());

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

    public void Dispose() => _channel.Dispose();
}
