namespace CsiDriver.Providers.Plugins;

/// <summary>Makes the adapter for a plugin name; owns the socket lookup and the per-socket connections they share.</summary>
public sealed class PluginProviderFactory(PluginOptions options, ILoggerFactory loggers, TimeProvider time) : IDisposable
{
    private readonly PluginSocketLocator _locator = new(options.SearchFolders);
    private readonly ILogger _logger = loggers.CreateLogger<PluginProvider>();

    // The connections of every plugin adapter, one per socket.
    private readonly PluginConnectionPool _pool = new(options, time, loggers.CreateLogger<PluginConnectionPool>());

    public PluginOptions Options => options;

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
