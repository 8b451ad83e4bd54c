using CsiDriver.Grpc;
using CsiDriver.Protos.Provider.V1Alpha1;
using Grpc.Core;
using Grpc.Net.Client;

namespace CsiDriver.Providers.Plugins;

/// <summary>
/// One client per plugin socket file, with the Version handshake done once before its first Mount.
/// A failed handshake is retried on the next call rather than remembered.
/// </summary>
internal sealed class PluginConnection(PluginSocket socket, int maxReceiveMessageSize, TimeSpan versionTimeout, TimeProvider time, ILogger logger) : IDisposable
{
    private readonly GrpcChannel _channel = UnixSocketChannel.Create(socket.Path, maxReceiveMessageSize);
    private Http.AsyncOnce<VersionResponse> _handshake = new();

    public PluginSocket Socket => socket;

    public CSIDriverProvider.CSIDriverProviderClient Client => field ??= new CSIDriverProvider.CSIDriverProviderClient(_channel);

    /// <exception cref="RpcException">The plugin could not be reached or refused the handshake.</exception>
    public Task EnsureHandshakeAsync(string provider, CancellationToken cancellationToken) =>
        Volatile.Read(ref _handshake).GetAsync(ct => HandshakeAsync(provider, ct), cancellationToken);

    /// <summary>The gRPC deadline <paramref name="timeout"/> from now; it travels to the plugin as grpc-timeout.</summary>
    public DateTime DeadlineAfter(TimeSpan timeout) => time.GetUtcNow().UtcDateTime + timeout;

    /// <summary>Forgets the handshake so the next call repeats it (after the plugin became unreachable).</summary>
    public void ResetHandshake() => Volatile.Write(ref _handshake, new Http.AsyncOnce<VersionResponse>());

    public void Dispose() => _channel.Dispose();

    private async Task<VersionResponse> HandshakeAsync(string provider, CancellationToken cancellationToken)
    {
        var response = await Client.VersionAsync(
            new VersionRequest { Version = PluginOptions.ProtocolVersion },
            deadline: DeadlineAfter(versionTimeout),
            cancellationToken: cancellationToken).ConfigureAwait(false);

        // Upstream never checks the answer, so a mismatch is reported but does not fail the mount.
        if (!string.Equals(response.Version, PluginOptions.ProtocolVersion, StringComparison.Ordinal))
        {
            PluginLog.VersionMismatch(logger, provider, socket.Path, response.Version, PluginOptions.ProtocolVersion);
        }

        PluginLog.Connected(logger, provider, socket.Path, response.Version, response.RuntimeName, response.RuntimeVersion);
        return response;
    }
}
