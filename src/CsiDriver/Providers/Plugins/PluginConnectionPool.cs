namespace CsiDriver.Providers.Plugins;

/// <summary>
/// Caches one <see cref="PluginConnection"/> per socket path for the life of the driver, as upstream
/// does, but replaces it when the socket file changed (the plugin restarted and bound a new socket).
/// </summary>
internal sealed class PluginConnectionPool(PluginOptions options, TimeProvider time, ILogger<PluginConnectionPool> logger) : IDisposable
{
    private readonly Dictionary<string, PluginConnection> _connections = new(StringComparer.Ordinal);
    private readonly Lock _lock = new();
    private bool _disposed;

    public PluginConnection Get(string provider, PluginSocket socket)
    {
        PluginConnection? replaced = null;
        PluginConnection connection;
        lock (_lock)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            if (_connections.TryGetValue(socket.Path, out var existing) && existing.Socket.Identity == socket.Identity)
            {
                return existing;
            }

            replaced = existing;
            connection = new PluginConnection(socket, options.MaxReceiveMessageSize, options.VersionTimeout, time, logger);
            _connections[socket.Path] = connection;
        }

        if (replaced is not null)
        {
            PluginLog.SocketReplaced(logger, provider, socket.Path);

            // Disposing the old channel ends its calls in flight at once (CANCELLED, reported as the plugin
            // being unavailable, so kubelet and rotation retry): they were talking to a plugin that has
            // since restarted. New calls use the new socket.
            replaced.Dispose();
        }

        return connection;
    }

    public void Dispose()
    {
        lock (_lock)
        {
            _disposed = true;
            foreach (var connection in _connections.Values)
            {
                connection.Dispose();
            }

            _connections.Clear();
        }
    }
}
