using CsiDriver.Observability;
using CsiDriver.Protos.Csi.V1;
using CsiDriver.Publishing;
using Grpc.Core;

namespace CsiDriver.Csi;

/// <summary>
/// CSI Node: validates kubelet's calls, serialises work per volume and per target path, and hands
/// the work to the publish pipeline. It holds no provider or mount logic of its own.
/// </summary>
internal sealed class NodeService(DriverIdentity identity, VolumePublisher publisher, VolumeUnpublisher unpublisher, DriverMetrics metrics, ILogger<NodeService> logger, VolumeLocks locks) : Node.NodeBase
{
    public override async Task<NodePublishVolumeResponse> NodePublishVolume(NodePublishVolumeRequest request, ServerCallContext context)
    {
        var publish = PublishRequestReader.Read(request);
        var token = context.CancellationToken;
        using (await locks.AcquireAsync(publish.VolumeId, publish.TargetPath, token).ConfigureAwait(false))
        {
            try
            {
                var outcome = await publisher.PublishAsync(publish, token).ConfigureAwait(false);
                metrics.Published(outcome.Provider);
            }
            catch (SecretStoreException ex)
            {
                metrics.PublishFailed(ex.Provider ?? string.Empty, ex.ErrorType);
                DriverLog.VolumePublishFailed(logger, publish.VolumeId, publish.TargetPath, ex.ErrorType, ex.Message);
                throw CsiStatus.ToRpc(ex);
            }
        }

        return new NodePublishVolumeResponse();
    }

    public override async Task<NodeUnpublishVolumeResponse> NodeUnpublishVolume(NodeUnpublishVolumeRequest request, ServerCallContext context)
    {
        PublishRequestReader.CheckVolumeAndTarget(request.VolumeId, request.TargetPath);
        var token = context.CancellationToken;
        using (await locks.AcquireAsync(request.VolumeId, request.TargetPath, token).ConfigureAwait(false))
        {
            try
            {
                await unpublisher.UnpublishAsync(request.VolumeId, request.TargetPath, token).ConfigureAwait(false);
                metrics.Unpublished();
            }
            catch (SecretStoreException ex)
            {
                metrics.UnpublishFailed();
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
        Task.FromResult(new NodeGetInfoResponse { NodeId = identity.NodeId });

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
