namespace CsiDriver.Providers.Plugins;

/// <summary>Makes the adapter for a plugin name; owns the socket lookup and the per-socket connections they share.</summary>
public sealed class PluginProviderFactory : IDisposable
{
    private readonly PluginSocketLocator _locator;
    private readonly ILogger _logger;

    // The connections of every plugin adapter, one per socket.
    private readonly PluginConnectionPool _pool;

    internal PluginProviderFactory(PluginOptions options, ILoggerFactory loggers, TimeProvider time)
    {
        Options = options;
        _locator = new PluginSocketLocator(options.SearchFolders);
        _pool = new PluginConnectionPool(options, time, loggers.CreateLogger<PluginConnectionPool>());
        _logger = loggers.CreateLogger<PluginProvider>();
    }

    public PluginOptions Options { get; }

    /// <summary>
    /// The adapter for <paramref name="name"/>. It is cheap and holds no connection itself, so names
    /// from arbitrary classes cannot grow any cache; connections exist only for sockets that exist.
    /// </summary>
    /// <param name="name">The plugin name (<c>spec.provider</c>).</param>
    /// <param name="builtIn">The built-in provider names, for the "not found" message.</param>
    public IProvider Create(string name, IEnumerable<string>? builtIn = null) =>
        new PluginProvider(name, _locator, _pool, Options, _logger, builtIn is null ? string.Empty : string.Join(", ", builtIn));

    public void Dispose() => _pool.Dispose();
}
