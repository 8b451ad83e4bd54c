using CsiDriver.Observability;
using CsiDriver.Protos.Csi.V1;
using CsiDriver.Publishing;
using Grpc.Core;

namespace CsiDriver.Csi;

/// <summary>
/// CSI Node: validates kubelet's calls, serialises work per volume and per target path, and hands
/// the work to the publish pipeline. It holds no provider or mount logic of its own.
/// </summary>
internal sealed class NodeService : Node.NodeBase
{
    private readonly DriverIdentity _identity;
    private readonly VolumePublisher _publisher;
    private readonly VolumeUnpublisher _unpublisher;
    private readonly VolumeLocks _locks;
    private readonly DriverMetrics _metrics;
    private readonly ILogger<NodeService> _logger;

    public NodeService(DriverIdentity identity, VolumePublisher publisher, VolumeUnpublisher unpublisher, DriverMetrics metrics, ILogger<NodeService> logger, VolumeLocks locks)
    {
        _locks = locks;
        _metrics = metrics;
        _identity = identity;
        _publisher = publisher;
        _unpublisher = unpublisher;
        _logger = logger;
    }

    public override async Task<NodePublishVolumeResponse> NodePublishVolume(NodePublishVolumeRequest request, ServerCallContext context)
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

    public override async Task<NodeUnpublishVolumeResponse> NodeUnpublishVolume(NodeUnpublishVolumeRequest request, ServerCallContext context)
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

    public override Task<NodeGetCapabilitiesResponse> NodeGetCapabilities(NodeGetCapabilitiesRequest request, ServerCallContext context)
    {
        // VOLUME_MOUNT_GROUP makes kubelet hand over the pod's fsGroup instead of chowning files itself.
        var response = new NodeGetCapabilitiesResponse();
        response.Capabilities.Add(new NodeServiceCapability
        {
            Rpc = new NodeServiceCapability.Types.RPC { Type = NodeServiceCapability.Types.RPC.Types.Type.VolumeMountGroup },
        });
        return Task.FromResult(response);
    }

    public override Task<NodeGetInfoResponse> NodeGetInfo(NodeGetInfoRequest request, ServerCallContext context) =>
        Task.FromResult(new NodeGetInfoResponse { NodeId = _identity.NodeId });

    public override Task<NodeStageVolumeResponse> NodeStageVolume(NodeStageVolumeRequest request, ServerCallContext context) =>
        throw Unadvertised("NodeStageVolume", "STAGE_UNSTAGE_VOLUME");

    public override Task<NodeUnstageVolumeResponse> NodeUnstageVolume(NodeUnstageVolumeRequest request, ServerCallContext context) =>
        throw Unadvertised("NodeUnstageVolume", "STAGE_UNSTAGE_VOLUME");

    public override Task<NodeGetVolumeStatsResponse> NodeGetVolumeStats(NodeGetVolumeStatsRequest request, ServerCallContext context) =>
        throw Unadvertised("NodeGetVolumeStats", "GET_VOLUME_STATS");

    public override Task<NodeExpandVolumeResponse> NodeExpandVolume(NodeExpandVolumeRequest request, ServerCallContext context) =>
        throw Unadvertised("NodeExpandVolume", "EXPAND_VOLUME");

    private static RpcException Unadvertised(string method, string capability) =>
        CsiStatus.Unimplemented($"{method} is not implemented: this driver does not advertise {capability}");
}
