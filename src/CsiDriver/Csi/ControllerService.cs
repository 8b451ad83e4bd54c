using CsiDriver.Protos.Csi.V1;
using Grpc.Core;

namespace CsiDriver.Csi;

/// <summary>
/// CSI Controller, served as upstream serves it: one capability of type UNKNOWN, every other method
/// UNIMPLEMENTED (the generated base answers those). Inline volumes need no controller, but
/// conformance suites and some tools ask for its capabilities before anything else.
/// </summary>
internal sealed class ControllerService : Controller.ControllerBase
{
    private static readonly ControllerGetCapabilitiesResponse Capabilities = new()
    {
        Capabilities =
        {
            new ControllerServiceCapability
            {
                Rpc = new ControllerServiceCapability.Types.RPC { Type = ControllerServiceCapability.Types.RPC.Types.Type.Unknown },
            },
        },
    };

    public override Task<ControllerGetCapabilitiesResponse> ControllerGetCapabilities(ControllerGetCapabilitiesRequest request, ServerCallContext context) =>
        Task.FromResult(Capabilities.Clone());
}
