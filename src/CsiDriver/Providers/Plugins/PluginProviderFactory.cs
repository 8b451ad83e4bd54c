namespace CsiDriver.Providers.Plugins;

/// <summary>
/// Makes the adapter for a plugin name; owns the socket lookup and the connections the adapters share: one
/// <see cref="PluginConnection"/> per socket path for the life of the driver, as upstream keeps, replaced when the
/// socket file changed (the plugin restarted and bound a new socket).
/// </summary>
public sealed class PluginProviderFactory(PluginOptions options, ILoggerFactory loggers, TimeProvider time) : IDisposable
{
    private readonly PluginSocketLocator _locator = new(options.SearchFolders);
    private readonly ILogger _logger = loggers.CreateLogger<PluginProvider>();
    private readonly ILogger _connectionLogger = loggers.CreateLogger<PluginConnection>();
    private readonly Dictionary<string, PluginConnection> _connections = new(StringComparer.Ordinal);
    private readonly Lock _lock = new();
    private bool _disposed;

    public PluginOptions Options => options;

    /// <summary>
    /// The adapter for <paramref name="name"/>. It is cheap and holds no connection itself, so names
    /// from arbitrary classes cannot grow any cache; connections exist only for sockets that exist.
    /// </summary>
    /// <param name="name">The plugin name (<c>spec.provider</c>).</param>
    /// <param name="builtIn">The built-in provider names, for the "not found" message.</param>
    public IProvider Create(string name, IEnumerable<string>? builtIn = null) =>
        new PluginProvider(name, _locator, this, _logger, builtIn is null ? string.Empty : string.Join(", ", builtIn));

    internal PluginConnection Connect(string provider, PluginSocket socket)
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
            connection = new PluginConnection(socket, options.MaxReceiveMessageSize, options.VersionTimeout, time, _connectionLogger);
            _connections[socket.Path] = connection;
        }

        if (replaced is not null)
        {
            PluginLog.SocketReplaced(_connectionLogger, provider, socket.Path);

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
