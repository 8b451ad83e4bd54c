using CsiDriver.Hosting;
using CsiDriver.Providers;
using CsiDriver.Providers.Plugins;
using CsiDriver.Publishing;
using CsiDriver.Tests.Infrastructure;
using Microsoft.Extensions.Logging;

namespace CsiDriver.Tests.Providers.Plugins;

/// <summary>The registry as the one place that picks a built-in provider or a plugin for <c>spec.provider</c>.</summary>
public sealed class ProviderResolutionTests : IDisposable
{
    private readonly PluginTestContext _context = new(o => new PluginOptions
    {
        SearchFolders = o.SearchFolders,
        PreferredPlugins = new HashSet<string>(["vault"], StringComparer.Ordinal),
    });

    [Fact]
    public void Get_BuiltInName_ReturnsTheBuiltIn()
    {
        var registry = new ProviderRegistry([new NamedProvider("local"), new NamedProvider("vault")], _context.Factory);

        registry.Get("local", "ns/c").Should().BeOfType<NamedProvider>();
    }

    [Fact]
    public void Get_NameNotBuiltIn_GoesToThePluginOfThatName()
    {
        var registry = new ProviderRegistry([new NamedProvider("local")], _context.Factory);

        var provider = registry.Get("akeyless", "ns/c");

        provider.Should().BeOfType<PluginProvider>();
        provider.Name.Should().Be("akeyless");
    }

    [Fact]
    public void Get_BuiltInNameThatTheOperatorPrefersAsAPlugin_GoesToThePlugin()
    {
        var registry = new ProviderRegistry([new NamedProvider("local"), new NamedProvider("vault")], _context.Factory);

        registry.Get("vault", "ns/c").Should().BeOfType<PluginProvider>();
    }

    [Fact]
    public void Get_WithoutPluginSupport_UnknownNameIsAClearError()
    {
        var registry = new ProviderRegistry([new NamedProvider("local")], plugins: null);

        var act = () => registry.Get("akeyless", "ns/c");

        act.Should().Throw<SecretStoreException>().WithMessage("*ns/c*\"akeyless\"*known: local*");
    }

    [Fact]
    public void LogResolution_ListsBuiltInsPreferredPluginsAndFolders()
    {
        var registry = new ProviderRegistry([new NamedProvider("local"), new NamedProvider("vault")], _context.Factory);
        using var loggers = new LoggerFactory([_context.Logs]);

        registry.LogResolution(loggers.CreateLogger("test"));

        var line = _context.Logs.Lines.Should().ContainSingle(l => l.Contains("[500]", StringComparison.Ordinal)).Subject;
        line.Should().Contain("built in [local]").And.Contain("instead (--prefer-plugin-providers) [vault]")
            .And.Contain(_context.AdditionalFolder + ", " + _context.ProviderVolume);
    }

    [Fact]
    public void Flags_PreferPluginProviders_AndSearchFolders_AreParsedAsCommaLists()
    {
        var options = DriverFlags.Parse(["--prefer-plugin-providers= vault, aws ,", "--additional-provider-volume-paths=/a,/b", "--provider-volume", "/c"]);

        PluginOptions.SplitList(options.PreferPluginProviders).Should().Equal("vault", "aws");
        PluginOptions.FoldersFrom(options.AdditionalProviderVolumePaths, options.ProviderVolume).Should().Equal("/a", "/b", "/c");
        new DriverOptions().PreferPluginProviders.Should().BeEmpty();
    }

    public void Dispose() => _context.Dispose();

    private sealed class NamedProvider(string name) : IProvider
    {
        public string Name => name;

        public Task<ProviderResult> FetchAsync(ProviderRequest request, CancellationToken cancellationToken) =>
            Task.FromResult(new ProviderResult([], []));
    }
}
