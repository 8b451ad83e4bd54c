using CsiDriver.Grpc;
using CsiDriver.Protos.Csi.V1;

namespace CsiDriver.Csi;

/// <summary>CSI Identity: name, version, capabilities and readiness.</summary>
internal sealed class IdentityService : IGrpcService
{
    private const string Service = "csi.v1.Identity";
    private readonly DriverIdentity _identity;

    public IdentityService(DriverIdentity identity)
    {
        _identity = identity;
    }

    public IEnumerable<UnaryMethod> Methods =>
    [
        new UnaryMethod<GetPluginInfoRequest, GetPluginInfoResponse>(Service, "GetPluginInfo", GetPluginInfoRequest.Parser, GetPluginInfoAsync),
        new UnaryMethod<GetPluginCapabilitiesRequest, GetPluginCapabilitiesResponse>(Service, "GetPluginCapabilities", GetPluginCapabilitiesRequest.Parser, GetPluginCapabilitiesAsync),
        new UnaryMethod<ProbeRequest, ProbeResponse>(Service, "Probe", ProbeRequest.Parser, ProbeAsync),
    ];

    private Task<GetPluginInfoResponse> GetPluginInfoAsync(GetPluginInfoRequest request, CallContext context) =>
        Task.FromResult(new GetPluginInfoResponse { Name = _identity.Name, VendorVersion = _identity.Version });

    // Upstream advertises CONTROLLER_SERVICE without implementing it; the CSI spec says a plugin
    // advertises only what it serves, and a node-only inline-volume driver serves no controller.
    private static Task<GetPluginCapabilitiesResponse> GetPluginCapabilitiesAsync(GetPluginCapabilitiesRequest request, CallContext context) =>
        Task.FromResult(new GetPluginCapabilitiesResponse());

    // Ready as soon as the socket answers: state was reloaded before the socket was bound.
    private static Task<ProbeResponse> ProbeAsync(ProbeRequest request, CallContext context) =>
        Task.FromResult(new ProbeResponse { Ready = true });
}
