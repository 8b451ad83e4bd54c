using System.Text;
using CsiDriver.Providers;
using CsiDriver.Publishing;
using CsiDriver.Spec;
using CsiDriver.Tests.Infrastructure;

namespace CsiDriver.Tests.Providers.Gcp;

/// <summary>The upstream-format manifests (also shipped in deploy/examples/gcp) read by the driver's class loader and fetched.</summary>
public sealed class GcpUpstreamManifestTests
{
    private const string Fed = "fed:default/app";

    [Fact]
    public async Task AppSecretsManifest_ImpersonatedReads_WritesPathAndFileNameFiles()
    {
        await using var bed = await GcpTestBed.StartAsync();
        const string gsa = "app@my-proj.iam.gserviceaccount.com";
        bed.ServiceAccounts["default/app"] = new() { ["iam.gke.io/gcp-service-account"] = gsa };
        bed.Server.TokenCreators[gsa] = [Fed];
        bed.Server.AddVersion("projects/my-proj/secrets/testsecret", "first");
        bed.Server.AddVersion("projects/my-proj/secrets/testsecret", "second");
        bed.Server.Allow("projects/my-proj/secrets/testsecret", "gsa:" + gsa);

        var result = await bed.Provider().FetchAsync(await RequestFor("app-secrets.yaml", "app-secrets"), CancellationToken.None);

        result.Files.Select(f => (f.Path, Encoding.UTF8.GetString(f.Contents.Span))).Should().Equal(
            ("good1.txt", "second"), ("good2.txt", "second"), ("pinned/first.txt", "first"));
        result.Files[2].Mode.Should().Be((UnixFileMode)Convert.ToInt32("400", 8));
        result.Versions.Select(v => v.Id).Should().Equal(
            "projects/my-proj/secrets/testsecret/versions/latest", "projects/my-proj/secrets/testsecret/versions/1");
    }

    [Fact]
    public async Task ExtractKeysManifest_WritesSingleKeys()
    {
        await using var bed = await GcpTestBed.StartAsync();
        bed.Server.AddVersion("projects/my-proj/secrets/db-json", """{"password":"pw"}""");
        bed.Server.AddVersion("projects/my-proj/secrets/db-yaml", "user: admin\n");
        bed.Server.Allow("projects/my-proj/secrets/db-json", Fed);
        bed.Server.Allow("projects/my-proj/secrets/db-yaml", Fed);

        var result = await bed.Provider().FetchAsync(await RequestFor("extract-keys.yaml", "extract-keys"), CancellationToken.None);

        result.Files.Select(f => (f.Path, Encoding.UTF8.GetString(f.Contents.Span))).Should().Equal(("db/password", "pw"), ("db/user", "admin"));
    }

    [Fact]
    public async Task RegionalAndParametersManifest_FetchesEachKind()
    {
        await using var bed = await GcpTestBed.StartAsync();
        bed.Server.AddVersion("projects/my-proj/locations/europe-west4/secrets/eu-db", "eu");
        bed.Server.Allow("projects/my-proj/locations/europe-west4/secrets/eu-db", Fed);
        bed.Server.Parameters["projects/my-proj/locations/global/parameters/app-config/versions/v1"] = Encoding.UTF8.GetBytes("{\"dsn\":\"g\"}");
        bed.Server.Parameters["projects/my-proj/locations/us-east1/parameters/app-config/versions/v1"] = Encoding.UTF8.GetBytes("{\"dsn\":\"us\"}");

        var result = await bed.Provider().FetchAsync(await RequestFor("regional-and-parameters.yaml", "regional-and-parameters"), CancellationToken.None);

        result.Files.Select(f => Encoding.UTF8.GetString(f.Contents.Span)).Should().Equal("eu", "{\"dsn\":\"g\"}", "us");
    }

    [Fact]
    public async Task NodePublishSecretManifest_NotAllowedByDefault()
    {
        await using var bed = await GcpTestBed.StartAsync();
        var request = await RequestFor("node-publish-secret.yaml", "key-json") with { Secrets = new Dictionary<string, string> { ["key.json"] = "{}" } };

        var act = () => bed.Provider().FetchAsync(request, CancellationToken.None);

        (await act.Should().ThrowAsync<SecretStoreException>()).Which.Message.Should().Contain("ALLOW_NODE_PUBLISH_SECRET");
    }

    [Fact]
    public void ShippedExamples_MatchTestFixtures()
    {
        var fixtures = Path.Combine(AppContext.BaseDirectory, "Providers", "Gcp", "Fixtures");
        var repo = FindRepoRoot();
        foreach (var fixture in Directory.EnumerateFiles(fixtures, "*.yaml"))
        {
            File.ReadAllText(Path.Combine(repo, "deploy", "examples", "gcp", Path.GetFileName(fixture))).Should().Be(File.ReadAllText(fixture), Path.GetFileName(fixture));
        }
    }

    private static async Task<ProviderRequest> RequestFor(string fixture, string name)
    {
        using var dir = new TestDirectory();
        var classes = dir.CreateDirectory("classes");
        File.Copy(Path.Combine(AppContext.BaseDirectory, "Providers", "Gcp", "Fixtures", fixture), Path.Combine(classes, fixture));
        var spc = await new DirectorySecretProviderClassSource(classes).GetAsync("default", name, CancellationToken.None);
        spc.Provider.Should().Be("gcp");
        var template = GcpTestBed.Request("unused");
        var attributes = new Dictionary<string, string>(spc.Parameters, StringComparer.Ordinal)
        {
            ["secretProviderClass"] = name,
            ["csi.storage.k8s.io/pod.name"] = template.Pod.Name,
            ["csi.storage.k8s.io/pod.namespace"] = template.Pod.Namespace,
            ["csi.storage.k8s.io/serviceAccount.name"] = template.Pod.ServiceAccountName,
        };
        return template with { Class = spc, Attributes = attributes };
    }

    private static string FindRepoRoot()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !Directory.Exists(Path.Combine(dir.FullName, "deploy", "examples", "gcp")))
        {
            dir = dir.Parent;
        }

        return dir?.FullName ?? throw new DirectoryNotFoundException("repository root with deploy/examples/gcp");
    }
}
