using CsiDriver.Grpc;
using CsiDriver.Observability;
using CsiDriver.Protos.Csi.V1;
using CsiDriver.Publishing;
using Microsoft.Extensions.Logging;

namespace CsiDriver.Csi;

/// <summary>
/// CSI Node: validates kubelet's calls, serialises work per volume and per target path, and hands
/// the work to the publish pipeline. It holds no provider or mount logic of its own.
/// </summary>
internal sealed class NodeService : IGrpcService
{
    private const string Service = "csi.v1.Node";
    private readonly DriverIdentity _identity;
    private readonly VolumePublisher _publisher;
    private readonly VolumeUnpublisher _unpublisher;
    private readonly VolumeLocks _locks;
    private readonly DriverMetrics _metrics;
    private readonly ILogger<NodeService> _logger;

    public NodeService(DriverIdentity identity, VolumePublisher publisher, VolumeUnpublisher unpublisher, DriverMetrics metrics, ILogger<NodeService> logger, VolumeLocks? locks = null)
    {
        _locks = locks ?? new VolumeLocks();
        _metrics = metrics;
        _identity = identity;
        _publisher = publisher;
        _unpublisher = unpublisher;
        _logger = logger;
    }

    public IEnumerable<UnaryMethod> Methods =>
    [
        new UnaryMethod<NodePublishVolumeRequest, NodePublishVolumeResponse>(Service, "NodePublishVolume", NodePublishVolumeRequest.Parser, NodePublishVolumeAsync),
        new UnaryMethod<NodeUnpublishVolumeRequest, NodeUnpublishVolumeResponse>(Service, "NodeUnpublishVolume", NodeUnpublishVolumeRequest.Parser, NodeUnpublishVolumeAsync),
        new UnaryMethod<NodeGetCapabilitiesRequest, NodeGetCapabilitiesResponse>(Service, "NodeGetCapabilities", NodeGetCapabilitiesRequest.Parser, NodeGetCapabilitiesAsync),
        new UnaryMethod<NodeGetInfoRequest, NodeGetInfoResponse>(Service, "NodeGetInfo", NodeGetInfoRequest.Parser, NodeGetInfoAsync),
        new UnaryMethod<NodeStageVolumeRequest, NodeStageVolumeResponse>(Service, "NodeStageVolume", NodeStageVolumeRequest.Parser, (_, _) => Unadvertised<NodeStageVolumeResponse>("NodeStageVolume", "STAGE_UNSTAGE_VOLUME")),
        new UnaryMethod<NodeUnstageVolumeRequest, NodeUnstageVolumeResponse>(Service, "NodeUnstageVolume", NodeUnstageVolumeRequest.Parser, (_, _) => Unadvertised<NodeUnstageVolumeResponse>("NodeUnstageVolume", "STAGE_UNSTAGE_VOLUME")),
        new UnaryMethod<NodeGetVolumeStatsRequest, NodeGetVolumeStatsResponse>(Service, "NodeGetVolumeStats", NodeGetVolumeStatsRequest.Parser, (_, _) => Unadvertised<NodeGetVolumeStatsResponse>("NodeGetVolumeStats", "GET_VOLUME_STATS")),
        new UnaryMethod<NodeExpandVolumeRequest, NodeExpandVolumeResponse>(Service, "NodeExpandVolume", NodeExpandVolumeRequest.Parser, (_, _) => Unadvertised<NodeExpandVolumeResponse>("NodeExpandVolume", "EXPAND_VOLUME")),
    ];

    private async Task<NodePublishVolumeResponse> NodePublishVolumeAsync(NodePublishVolumeRequest request, CallContext context)
    {
        var publish = PublishRequestReader.Read(request);
        var token = context.CancellationToken;
        using (await _locks.AcquireAsync(publish.VolumeId, publish.TargetPath, token).ConfigureAwait(false))
        {
            try
            {
                var outcome = await _publisher.PublishAsync(publish, token).ConfigureAwait(false);
                _metrics.Published(outcome.Provider);
            }
            catch (SecretStoreException ex)
            {
                _metrics.PublishFailed(ex.Provider ?? string.Empty, ex.ErrorType);
                DriverLog.VolumePublishFailed(_logger, publish.VolumeId, publish.TargetPath, ex.ErrorType, ex.Message);
                throw CsiStatus.ToRpc(ex);
            }
        }

        return new NodePublishVolumeResponse();
    }

    private async Task<NodeUnpublishVolumeResponse> NodeUnpublishVolumeAsync(NodeUnpublishVolumeRequest request, CallContext context)
    {
        PublishRequestReader.CheckVolumeAndTarget(request.VolumeId, request.TargetPath);
        var token = context.CancellationToken;
        using (await _locks.AcquireAsync(request.VolumeId, request.TargetPath, token).ConfigureAwait(false))
        {
            try
            {
                await _unpublisher.UnpublishAsync(request.VolumeId, request.TargetPath, token).ConfigureAwait(false);
                _metrics.Unpublished();
            }
            catch (SecretStoreException ex)
            {
                _metrics.UnpublishFailed();
                throw CsiStatus.ToRpc(ex);
            }
        }

        return new NodeUnpublishVolumeResponse();
    }

    private static Task<NodeGetCapabilitiesResponse> NodeGetCapabilitiesAsync(NodeGetCapabilitiesRequest request, CallContext context)
    {
        // VOLUME_MOUNT_GROUP makes kubelet hand over the pod's fsGroup instead of chowning files itself.
        var response = new NodeGetCapabilitiesResponse();
        response.Capabilities.Add(new NodeServiceCapability
        {
            Rpc = new NodeServiceCapability.Types.RPC { Type = NodeServiceCapability.Types.RPC.Types.Type.VolumeMountGroup },
        });
        return Task.FromResult(response);
    }

    private Task<NodeGetInfoResponse> NodeGetInfoAsync(NodeGetInfoRequest request, CallContext context) =>
        Task.FromResult(new NodeGetInfoResponse { NodeId = _identity.NodeId });

    private static Task<T> Unadvertised<T>(string method, string capability) =>
        throw new RpcException(StatusCode.Unimplemented, $"{method} is not implemented: this driver does not advertise {capability}");
}
