using System.Security.Cryptography;
using System.Text;
using CsiDriver.Providers;
using CsiDriver.Providers.Local;
using CsiDriver.Publishing;
using CsiDriver.Spec;
using CsiDriver.Tests.Infrastructure;

namespace CsiDriver.Tests.Providers.Local;

public sealed class LocalProviderTests
{
    [Fact]
    public async Task Fetch_ContentChanges_VersionChangesAndIsNotAPlainHash()
    {
        using var dir = new TestDirectory();
        var root = dir.CreateDirectory("store");
        var files = dir.CreateDirectory("store", "default");
        File.WriteAllText(Path.Combine(files, "pw"), "hunter2");
        var provider = new LocalProvider(new LocalProviderOptions { Root = root }, Infrastructure.TestMetrics.Create());

        var first = await provider.FetchAsync(Request("- objectName: pw"), CancellationToken.None);
        var again = await provider.FetchAsync(Request("- objectName: pw"), CancellationToken.None);
        File.WriteAllText(Path.Combine(files, "pw"), "hunter3");
        var changed = await provider.FetchAsync(Request("- objectName: pw"), CancellationToken.None);

        again.Versions.Should().Equal(first.Versions);
        changed.Versions[0].Version.Should().NotBe(first.Versions[0].Version);
        first.Versions[0].Id.Should().Be("pw");
        first.Versions[0].Version.Should().NotContain(Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes("hunter2")))[..16]);
    }

    [Fact]
    public async Task Fetch_NoRootConfigured_InvalidConfigurationNamingTheFlag()
    {
        var provider = new LocalProvider(new LocalProviderOptions(), Infrastructure.TestMetrics.Create());

        var act = () => provider.FetchAsync(Request("- objectName: a"), CancellationToken.None);

        (await act.Should().ThrowAsync<SecretStoreException>()).Which.Message.Should().Contain("--local-store-root");
    }

    [Fact]
    public async Task Fetch_FilePermissionForms_ParsedAsOctal()
    {
        using var dir = new TestDirectory();
        var root = dir.CreateDirectory("store");
        var files = dir.CreateDirectory("store", "default");
        File.WriteAllText(Path.Combine(files, "a"), "1");
        var provider = new LocalProvider(new LocalProviderOptions { Root = root }, Infrastructure.TestMetrics.Create());

        var result = await provider.FetchAsync(Request("- {objectName: a, objectAlias: q, filePermission: \"0400\"}\n- {objectName: a, objectAlias: u, filePermission: 0640}\n- {objectName: a, objectAlias: d}"), CancellationToken.None);

        result.Files.Select(f => f.Mode).Should().Equal((UnixFileMode)Convert.ToInt32("400", 8), (UnixFileMode)Convert.ToInt32("640", 8), null);
    }

    private static ProviderRequest Request(string objects) => new(
        new SecretProviderClass { Name = "app", Namespace = "default", Provider = "local", Parameters = new Dictionary<string, string> { ["objects"] = objects } },
        new Dictionary<string, string> { ["objects"] = objects },
        new PodIdentity("p", "default", "uid", "sa", ServiceAccountTokens.None),
        new Dictionary<string, string>(),
        (UnixFileMode)Convert.ToInt32("644", 8),
        [],
        "/tmp/unused");
}
