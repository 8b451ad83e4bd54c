using System.Collections.Frozen;
using CsiDriver.Providers.Plugins;
using CsiDriver.Publishing;

namespace CsiDriver.Providers;

/// <summary>
/// Finds the provider a class names in <c>spec.provider</c>: the one place that decides between a
/// built-in provider and an external plugin. A name the operator prefers as a plugin, or a name
/// that is not built in, goes to the plugin socket of that name.
/// </summary>
public sealed class ProviderRegistry(IEnumerable<IProvider> providers, PluginProviderFactory? plugins)
{
    private readonly FrozenDictionary<string, IProvider> _providers = providers.ToFrozenDictionary(p => p.Name, StringComparer.Ordinal);

    /// <summary>The built-in providers' names.</summary>
    public IEnumerable<string> Names => _providers.Keys.Order(StringComparer.Ordinal);

    /// <summary>The provider of that name, or null (for callers that must not fail, such as unpublish).</summary>
    public IProvider? Find(string name) => _providers.GetValueOrDefault(name);

    public IProvider Get(string name, string classDescription)
    {
        if (plugins is not null && (plugins.Options.PreferredPlugins.Contains(name) || !_providers.ContainsKey(name)))
        {
            return plugins.Create(name, Names);
        }

        if (_providers.TryGetValue(name, out var provider))
        {
            return provider;
        }

        throw new SecretStoreException(
            FailureKind.InvalidConfiguration,
            $"SecretProviderClass {classDescription}: provider \"{name}\" is not available on this node (known: {string.Join(", ", Names)})")
        {
            Reason = "ProviderNotFound",
        };
    }

    /// <summary>Logs, once at start, which names are built in, which go to plugins and where plugins are looked for.</summary>
    public void LogResolution(ILogger logger)
    {
        var builtIn = Names.Where(n => plugins is null || !plugins.Options.PreferredPlugins.Contains(n));
        var preferred = plugins?.Options.PreferredPlugins.Order(StringComparer.Ordinal) ?? Enumerable.Empty<string>();
        var folders = plugins is null ? "(plugins disabled)" : string.Join(", ", plugins.Options.SearchFolders);
        PluginLog.Resolution(logger, string.Join(", ", builtIn), string.Join(", ", preferred), folders);
    }
}
