using CsiDriver.Protos.Provider.V1Alpha1;
using CsiDriver.Publishing;
using Google.Protobuf;
using Grpc.Core;

namespace CsiDriver.Providers.Plugins;

/// <summary>
/// A provider served by an external plugin on <c>&lt;folder&gt;/&lt;name&gt;.sock</c>, spoken to with the
/// upstream v1alpha1 protocol: Version once per connection, then Mount per fetch.
/// </summary>
internal sealed class PluginProvider(string name, PluginSocketLocator locator, PluginProviderFactory plugins, ILogger logger, string builtIn = "") : IProvider
{
    private const int LargeResponseBytes = 1024 * 1024;

    public string Name { get; } = name;

    public async Task<ProviderResult> FetchAsync(ProviderRequest request, CancellationToken cancellationToken)
    {
        // Located on every call: a plugin may appear, move between folders or restart at any time.
        var socket = locator.Locate(Name, request.Class.Description, builtIn);
        var connection = plugins.Connect(Name, socket);
        MountResponse response;
        var call = "Version handshake";
        try
        {
            await connection.EnsureHandshakeAsync(Name, cancellationToken).ConfigureAwait(false);
            call = "Mount";
            response = await connection.Client.MountAsync(
                PluginMountMessages.Build(request),
                deadline: connection.DeadlineAfter(plugins.Options.MountTimeout),
                cancellationToken: cancellationToken).ConfigureAwait(false);
        }
        catch (RpcException ex) when (ex.StatusCode == StatusCode.Cancelled && cancellationToken.IsCancellationRequested)
        {
            // Our caller gave up (kubelet's deadline, shutdown): that is cancellation, not a plugin failure.
            throw new OperationCanceledException($"the {call} call to provider plugin \"{Name}\" was cancelled", ex, cancellationToken);
        }
        catch (RpcException ex)
        {
            if (ex.StatusCode == StatusCode.Unavailable)
            {
                connection.ResetHandshake();
            }

            if (PluginFailures.IsOverReceiveLimit(ex))
            {
                PluginLog.ResponseTooLarge(logger, Name, request.Class.Description, plugins.Options.MaxReceiveMessageSize);
            }

            throw PluginFailures.FromRpc(ex, Name, socket, request, call, plugins.Options);
        }

        var size = response.CalculateSize();
        if (size > LargeResponseBytes)
        {
            PluginLog.LargeResponse(logger, Name, size, request.Class.Description);
        }

        var result = PluginMountMessages.Read(response, Name, request);
        PluginLog.Mounted(logger, Name, request.Class.Description, result.Files.Count, result.Versions.Count);
        return result;
    }
}
