using CsiDriver.Grpc;
using CsiDriver.Protos.Provider.V1Alpha1;
using Microsoft.Extensions.Logging;

namespace CsiDriver.Providers.Plugins;

/// <summary>
/// One client per plugin socket file, with the Version handshake done once before its first Mount.
/// A failed handshake is retried on the next call rather than remembered.
/// </summary>
internal sealed class PluginConnection : IDisposable
{
    public const string VersionMethod = "/v1alpha1.CSIDriverProvider/Version";
    public const string MountMethod = "/v1alpha1.CSIDriverProvider/Mount";

    private readonly SemaphoreSlim _handshakeGate = new(1, 1);
    private readonly TimeSpan _versionTimeout;
    private readonly ILogger _logger;
    private VersionResponse? _version;

    public PluginConnection(PluginSocket socket, int maxReceiveMessageSize, TimeSpan versionTimeout, ILogger logger)
    {
        Socket = socket;
        Client = new UnixSocketGrpcClient(socket.Path, maxReceiveMessageSize);
        _versionTimeout = versionTimeout;
        _logger = logger;
    }

    public PluginSocket Socket { get; }

    public UnixSocketGrpcClient Client { get; }

    /// <summary>What the plugin answered to Version, once the handshake has succeeded.</summary>
    public VersionResponse? Version => _version;

    /// <exception cref="RpcException">The plugin could not be reached or refused the handshake.</exception>
    public async Task EnsureHandshakeAsync(string provider, CancellationToken cancellationToken)
    {
        if (_version is not null)
        {
            return;
        }

        await _handshakeGate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (_version is not null)
            {
                return;
            }

            var response = await Client.CallAsync(
                VersionMethod,
                new VersionRequest { Version = PluginOptions.ProtocolVersion },
                VersionResponse.Parser,
                _versionTimeout,
                cancellationToken).ConfigureAwait(false);

            // Upstream never checks the answer, so a mismatch is reported but does not fail the mount.
            if (!string.Equals(response.Version, PluginOptions.ProtocolVersion, StringComparison.Ordinal))
            {
                PluginLog.VersionMismatch(_logger, provider, Socket.Path, response.Version, PluginOptions.ProtocolVersion);
            }

            PluginLog.Connected(_logger, provider, Socket.Path, response.Version, response.RuntimeName, response.RuntimeVersion);
            _version = response;
        }
        finally
        {
            _handshakeGate.Release();
        }
    }

    /// <summary>Forgets the handshake so the next call repeats it (after the plugin became unreachable).</summary>
    public void ResetHandshake() => _version = null;

    // The gate is not disposed: a replaced connection may still have a caller waiting on it.
    public void Dispose() => Client.Dispose();
}
