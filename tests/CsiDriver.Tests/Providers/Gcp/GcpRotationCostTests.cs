using System.Text;
using CsiDriver.Observability;
using CsiDriver.Providers;
using CsiDriver.Publishing;
using CsiDriver.State;
using CsiDriver.Tests.Infrastructure;
using Microsoft.Extensions.Logging.Abstractions;

namespace CsiDriver.Tests.Providers.Gcp;

/// <summary>
/// What rotation costs at Google, at the provider: reads shared through one <see cref="FetchScope"/> per pass,
/// pinned versions served from memory, token exchanges shared, and every call counted.
/// </summary>
public sealed class GcpRotationCostTests : IDisposable
{
    private const string Db = "projects/my-proj/secrets/db";
    private const string Api = "projects/my-proj/secrets/api";
    private const string Fed = "fed:default/app";
    private const string Other = "fed:default/other";

    private readonly TestDirectory _directory = new();

    public void Dispose() => _directory.Dispose();

    [Fact]
    public async Task Pass_SharedReadDenied_FailsEveryVolumeSharingItNamingItsOwnClassOnly()
    {
        await using var bed = await GcpTestBed.StartAsync();
        bed.Server.AddVersion(Db, "db-secret-value");
        bed.Server.AddVersion(Api, "api-secret-value");
        bed.Server.Allow(Db, Other); // "app" may not read db; "other" may
        bed.Server.Allow(Api, Fed);
        var provider = bed.Provider();
        using var scope = new FetchScope();
        const string yaml = $"- resourceName: {Db}/versions/latest\n  path: db\n- resourceName: {Api}/versions/latest\n  path: api";
        var podToken = FakeGcpServer.KubernetesToken("my-proj.svc.id.goog");

        var outcomes = await Task.WhenAll(new[] { "alpha", "beta", "gamma" }.Select(async name =>
        {
            var request = GcpTestBed.Request(yaml, className: name, scope: scope, podToken: podToken);
            var act = () => provider.FetchAsync(request, CancellationToken.None);
            return (Name: name, Error: (await act.Should().ThrowAsync<SecretStoreException>()).Which);
        }));
        var other = await provider.FetchAsync(GcpTestBed.Request($"- resourceName: {Db}/versions/latest\n  path: db", serviceAccount: "other", className: "delta", scope: scope), CancellationToken.None);

        bed.Server.Reads(Fed, $"{Db}/versions/latest").Should().Be(1, "three volumes share one denied read");
        bed.Server.Reads(Fed, $"{Api}/versions/latest").Should().Be(1);
        bed.Server.Reads(Other, $"{Db}/versions/latest").Should().Be(1, "another identity is never answered with app's read");
        Encoding.UTF8.GetString(other.Files[0].Contents.Span).Should().Be("db-secret-value");
        foreach (var (name, error) in outcomes)
        {
            error.Kind.Should().Be(FailureKind.PermissionDenied);
            error.Message.Should().StartWith($"SecretProviderClass default/{name}: failed to fetch 1 of 2 secret(s): {{{Db}/versions/latest  db}}")
                .And.Contain("secretmanager.versions.access");
            foreach (var someoneElse in new[] { "alpha", "beta", "gamma" }.Where(n => n != name))
            {
                error.Message.Should().NotContain($"default/{someoneElse}");
            }

            error.Message.Should().NotContain("secret-value").And.NotContain("ya29.").And.NotContain(podToken.Split('.')[2]);
        }
    }

    [Fact]
    public async Task Pass_PinnedVersionTheVolumeHolds_NoCallEvenWithExpiredToken_NewPublishAndOtherIdentityRead()
    {
        await using var bed = await GcpTestBed.StartAsync();
        bed.Server.AddVersion(Db, "pinned-one");
        bed.Server.AddVersion(Db, "pinned-two");
        bed.Server.Allow(Db, Fed);
        bed.Server.Allow(Db, Other);
        var metrics = NewMetrics();
        var provider = bed.Provider(metrics);
        const string yaml = $"- resourceName: {Db}/versions/1\n  path: db";
        var published = await provider.FetchAsync(GcpTestBed.Request(yaml), CancellationToken.None);
        var held = published.Versions;
        held.Should().Equal(new ObjectVersion($"{Db}/versions/1", $"projects/{FakeGcpServer.ProjectNumber}/secrets/db/versions/1"));
        bed.Clock.Advance(TimeSpan.FromHours(2)); // the access token has expired

        using (var scope = new FetchScope())
        {
            var pass = await provider.FetchAsync(GcpTestBed.Request(yaml, currentVersions: held, scope: scope), CancellationToken.None);

            Encoding.UTF8.GetString(pass.Files[0].Contents.Span).Should().Be("pinned-one");
            pass.Versions.Should().Equal(held);
            bed.Server.Reads(Fed, $"{Db}/versions/1").Should().Be(1, "only the first publish read it");
            bed.Server.StsCalls.Should().Be(1, "no read, so no token either");
        }

        // A kubelet republish of the same volume (current versions known, no pass) is served the same way.
        await provider.FetchAsync(GcpTestBed.Request(yaml, currentVersions: held), CancellationToken.None);
        bed.Server.Reads(Fed, $"{Db}/versions/1").Should().Be(1);

        // A new volume (no current version) reads; so does another identity claiming the version, and a volume whose recorded version differs.
        await provider.FetchAsync(GcpTestBed.Request(yaml), CancellationToken.None);
        await provider.FetchAsync(GcpTestBed.Request(yaml, serviceAccount: "other", currentVersions: held), CancellationToken.None);
        await provider.FetchAsync(GcpTestBed.Request(yaml, currentVersions: [new ObjectVersion($"{Db}/versions/1", "projects/x/secrets/db/versions/1")]), CancellationToken.None);

        bed.Server.Reads(Fed, $"{Db}/versions/1").Should().Be(3);
        bed.Server.Reads(Other, $"{Db}/versions/1").Should().Be(1);
        metrics.Registry.Render().Should().Contain(Calls("access_version", 4)).And.Contain(Calls("sts_token", 3), "app's token was renewed once, other's obtained once");
    }

    [Fact]
    public async Task Pass_LatestAndAliases_ReadOncePerIdentityEveryPass()
    {
        await using var bed = await GcpTestBed.StartAsync();
        bed.Server.AddVersion(Db, "v-one");
        bed.Server.Allow(Db, Fed);
        var provider = bed.Provider();
        const string yaml = $"- resourceName: {Db}/versions/latest\n  path: db";
        var held = (await provider.FetchAsync(GcpTestBed.Request(yaml), CancellationToken.None)).Versions;

        for (var pass = 0; pass < 2; pass++)
        {
            using var scope = new FetchScope();
            await Task.WhenAll(Enumerable.Range(0, 4).Select(_ => provider.FetchAsync(GcpTestBed.Request(yaml, currentVersions: held, scope: scope), CancellationToken.None)));
        }

        bed.Server.Reads(Fed, $"{Db}/versions/latest").Should().Be(1 + 2, "`latest` can move, so each pass reads it once for its four volumes");
    }

    [Fact]
    public async Task Pass_ParameterVersion_RenderedOncePerIdentityPerPassNeverFromMemory()
    {
        await using var bed = await GcpTestBed.StartAsync();
        const string parameter = "projects/my-proj/locations/global/parameters/app-config/versions/1";
        bed.Server.Parameters[parameter] = Encoding.UTF8.GetBytes("dsn: rendered");
        var metrics = NewMetrics();
        var provider = bed.Provider(metrics);
        var yaml = $"- resourceName: {parameter}\n  path: config";
        var held = (await provider.FetchAsync(GcpTestBed.Request(yaml), CancellationToken.None)).Versions;

        using (var scope = new FetchScope())
        {
            await Task.WhenAll(Enumerable.Range(0, 3).Select(_ => provider.FetchAsync(GcpTestBed.Request(yaml, currentVersions: held, scope: scope), CancellationToken.None)));
        }

        bed.Server.Reads(Fed, parameter).Should().Be(2, "a rendering follows the secrets it references, so even a numbered parameter version is re-rendered each pass");
        metrics.Registry.Render().Should().Contain(Calls("render_version", 2)).And.NotContain("call=\"access_version\"");
    }

    [Fact]
    public async Task Fetch_ConcurrentVolumesColdTokenCache_OneExchangeAndOneImpersonationPerIdentity()
    {
        await using var bed = await GcpTestBed.StartAsync();
        const string gsa = "app@my-proj.iam.gserviceaccount.com";
        bed.ServiceAccounts["default/app"] = new() { [CsiDriver.Providers.Gcp.GcpCredentialResolver.ServiceAccountAnnotation] = gsa };
        bed.Server.TokenCreators[gsa] = [Fed];
        bed.Server.AddVersion(Db, "v");
        bed.Server.Allow(Db, "gsa:" + gsa);
        var provider = bed.Provider();
        const string yaml = $"- resourceName: {Db}/versions/latest\n  path: db";

        // No scope: these are eight separate publishes, each reading for itself, at the same time.
        await Task.WhenAll(Enumerable.Range(0, 8).Select(_ => provider.FetchAsync(GcpTestBed.Request(yaml), CancellationToken.None)));

        bed.Server.StsCalls.Should().Be(1);
        bed.Server.IamCalls.Should().Be(1);
        bed.Server.Reads("gsa:" + gsa, $"{Db}/versions/latest").Should().Be(8);
    }

    [Fact]
    public async Task Fetch_FirstCallerCancelledDuringExchange_OthersStillGetAToken()
    {
        await using var bed = await GcpTestBed.StartAsync(o => o.Retry = o.Retry with { MaxAttempts = 1 });
        bed.Server.AddVersion(Db, "v");
        bed.Server.Allow(Db, Fed);
        bed.Server.HoldSts = true;
        var provider = bed.Provider();
        const string yaml = $"- resourceName: {Db}/versions/1\n  path: db";
        using var cancel = new CancellationTokenSource();

        var first = provider.FetchAsync(GcpTestBed.Request(yaml), cancel.Token);
        await Eventually.TrueAsync(() => bed.Server.StsCalls == 1, because: "the first exchange to reach STS");
        var second = provider.FetchAsync(GcpTestBed.Request(yaml), CancellationToken.None);
        await cancel.CancelAsync();
        await ((Func<Task>)(() => first)).Should().ThrowAsync<OperationCanceledException>();
        await Eventually.TrueAsync(() => bed.Server.StsCalls == 2, because: "the waiting caller to start its own exchange");
        bed.Server.HoldSts = false;
        bed.Server.ReleaseSts();

        var result = await second;
        Encoding.UTF8.GetString(result.Files[0].Contents.Span).Should().Be("v");
    }

    [Fact]
    public async Task Fetch_KeyJsonProviderAdcAndMetadataDiscovery_EveryCallCounted()
    {
        await using var bed = await GcpTestBed.StartAsync(o =>
        {
            o.AllowNodePublishSecret = true;
            o.AllowProviderAdc = true;
            o.Project = o.ClusterLocation = o.ClusterName = null; // pool and provider come from the metadata server
        });
        using var rsa = System.Security.Cryptography.RSA.Create(2048);
        const string email = "reader@my-proj.iam.gserviceaccount.com";
        bed.Server.ServiceAccountKeys[email] = rsa;
        bed.Server.AddVersion(Db, "v");
        bed.Server.Allow(Db, "key:" + email);
        bed.Server.Allow(Db, "node");
        bed.Server.Allow(Db, Fed);
        var metrics = NewMetrics();
        var provider = bed.Provider(metrics);
        const string yaml = $"- resourceName: {Db}/versions/latest\n  path: db";
        var keyJson = System.Text.Json.JsonSerializer.Serialize(new Dictionary<string, string>
        {
            ["type"] = "service_account",
            ["private_key"] = rsa.ExportPkcs8PrivateKeyPem(),
            ["client_email"] = email,
        });

        for (var i = 0; i < 2; i++)
        {
            await provider.FetchAsync(GcpTestBed.Request(yaml, nodePublishSecrets: new Dictionary<string, string> { ["key.json"] = keyJson }), CancellationToken.None);
            await provider.FetchAsync(GcpTestBed.Request(yaml, extraParameters: new Dictionary<string, string> { ["auth"] = "provider-adc" }), CancellationToken.None);
            await provider.FetchAsync(GcpTestBed.Request(yaml), CancellationToken.None);
        }

        var text = metrics.Registry.Render();
        text.Should().Contain(Calls("oauth_token", 1)).And.Contain(Calls("metadata_token", 1)).And.Contain(Calls("sts_token", 1));
        text.Should().Contain(Calls("metadata_value", 3), "project id, cluster location and name, once for the driver's life");
        text.Should().Contain(Calls("access_version", 6));
        bed.Server.TokenUriCalls.Should().Be(1);
        bed.Server.MetadataCalls.Should().Be(4);
    }

    private static string Calls(string call, int count) =>
        $"csi_secrets_store_backend_calls_total{{provider=\"gcp\",call=\"{call}\"}} {count}\n";

    private DriverMetrics NewMetrics() =>
        new(new MetricsRegistry(), new FileVolumeRegistry(_directory.CreateDirectory("state"), NullLogger<FileVolumeRegistry>.Instance));
}
