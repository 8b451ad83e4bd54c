using CsiDriver.Protos.Csi.V1;
using Grpc.Core;

namespace CsiDriver.Csi;

/// <summary>CSI Identity: name, version, capabilities and readiness.</summary>
internal sealed class IdentityService(DriverIdentity identity) : Identity.IdentityBase
{
    public override Task<GetPluginInfoResponse> GetPluginInfo(GetPluginInfoRequest request, ServerCallContext context) =>
        Task.FromResult(new GetPluginInfoResponse { Name = identity.Name, VendorVersion = identity.Version });

    // Upstream advertises CONTROLLER_SERVICE without implementing it; the CSI spec says a plugin
    // advertises only what it serves, and a node-only inline-volume driver serves no controller.
    public override Task<GetPluginCapabilitiesResponse> GetPluginCapabilities(GetPluginCapabilitiesRequest request, ServerCallContext context) =>
        Task.FromResult(new GetPluginCapabilitiesResponse());

    // Ready as soon as the socket answers: state was reloaded before the socket was bound.
    public override Task<ProbeResponse> Probe(ProbeRequest request, ServerCallContext context) =>
        Task.FromResult(new ProbeResponse { Ready = true });
}
