using CsiDriver.Grpc;
using CsiDriver.Protos.Provider.V1Alpha1;
using Grpc.Core;
using Grpc.Net.Client;

namespace CsiDriver.Providers.Plugins;

/// <summary>
/// One client per plugin socket file, with the Version handshake done once before its first Mount.
/// A failed handshake is retried on the next call rather than remembered.
/// </summary>
internal sealed class PluginConnection : IDisposable
{
    private readonly GrpcChannel _channel;
    private readonly TimeSpan _versionTimeout;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private Http.AsyncOnce<VersionResponse> _handshake = new();

    public PluginConnection(PluginSocket socket, int maxReceiveMessageSize, TimeSpan versionTimeout, TimeProvider time, ILogger logger)
    {
        Socket = socket;
        _channel = UnixSocketChannel.Create(socket.Path, maxReceiveMessageSize);
        Client = new CSIDriverProvider.CSIDriverProviderClient(_channel);
        _versionTimeout = versionTimeout;
        _time = time;
        _logger = logger;
    }

    public PluginSocket Socket { get; }

    public CSIDriverProvider.CSIDriverProviderClient Client { get; }

    /// <exception cref="RpcException">The plugin could not be reached or refused the handshake.</exception>
    public Task EnsureHandshakeAsync(string provider, CancellationToken cancellationToken) =>
        Volatile.Read(ref _handshake).GetAsync(ct => HandshakeAsync(provider, ct), cancellationToken);

    /// <summary>The gRPC deadline <paramref name="timeout"/> from now; it travels to the plugin as grpc-timeout.</summary>
    public DateTime DeadlineAfter(TimeSpan timeout) => _time.GetUtcNow().UtcDateTime + timeout;

    /// <summary>Forgets the handshake so the next call repeats it (after the plugin became unreachable).</summary>
    public void ResetHandshake() => Volatile.Write(ref _handshake, new Http.AsyncOnce<VersionResponse>());

    public void Dispose() => _channel.Dispose();

    private async Task<VersionResponse> HandshakeAsync(string provider, CancellationToken cancellationToken)
    {
        var response = await Client.VersionAsync(
            new VersionRequest { Version = PluginOptions.ProtocolVersion },
            deadline: DeadlineAfter(_versionTimeout),
            cancellationToken: cancellationToken).ConfigureAwait(false);

        // Upstream never checks the answer, so a mismatch is reported but does not fail the mount.
        if (!string.Equals(response.Version, PluginOptions.ProtocolVersion, StringComparison.Ordinal))
        {
            PluginLog.VersionMismatch(_logger, provider, Socket.Path, response.Version, PluginOptions.ProtocolVersion);
        }

        PluginLog.Connected(_logger, provider, Socket.Path, response.Version, response.RuntimeName, response.RuntimeVersion);
        return response;
    }
}
