using System.Collections.Frozen;
using CsiDriver.Publishing;

namespace CsiDriver.Providers;

/// <summary>Finds the provider a class names in <c>spec.provider</c>.</summary>
public sealed class ProviderRegistry
{
    private readonly FrozenDictionary<string, IProvider> _providers;

    public ProviderRegistry(IEnumerable<IProvider> providers)
    {
        _providers = providers.ToFrozenDictionary(p => p.Name, StringComparer.Ordinal);
    }

    public IEnumerable<string> Names => _providers.Keys.Order(StringComparer.Ordinal);

    /// <summary>The provider of that name, or null (for callers that must not fail, such as unpublish).</summary>
    public IProvider? Find(string name) => _providers.GetValueOrDefault(name);

    public IProvider Get(string name, string classDescription)
    {
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
}
