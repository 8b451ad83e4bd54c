using CsiDriver.Observability;
using CsiDriver.Providers;
using CsiDriver.Providers.Azure;
using CsiDriver.Publishing;
using CsiDriver.Spec;
using CsiDriver.State;
using CsiDriver.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace CsiDriver.Tests.Providers.Azure;

/// <summary>A TimeProvider the test moves by hand.</summary>
internal sealed class ManualTime : TimeProvider
{
    private DateTimeOffset _now = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);

    public override DateTimeOffset GetUtcNow() => _now;

    public void Advance(TimeSpan by) => _now += by;
}

/// <summary>Builds providers pointed at a <see cref="FakeAzure"/> and requests in the upstream shape.</summary>
internal static class AzureTestKit
{
    public const string PodToken = "eyJhbGciOiJSUzI1NiJ9.pod-sa-token-for-azure.c2lnbmF0dXJl";
    public const string WorkloadClient = "11111111-2222-3333-4444-555555555555";
    public const string SpClient = "99999999-8888-7777-6666-555555555555";
    public const string SpSecret = "sp-secret-Zx8Q~never-print-me";

    public static AzureProviderOptions Options(FakeAzure fake) => new()
    {
        KeyVaultEndpointOverride = fake.BaseAddress,
        AuthorityHostOverride = fake.BaseAddress,
        ImdsEndpoint = fake.BaseAddress,
        NmiEndpoint = new Uri(fake.BaseAddress, "host/token/"),
        Handler = TestPki.TrustingOnly(fake.Ca),
        RequestTimeout = TimeSpan.FromSeconds(20),
    };

    /// <summary>The azure provider as the driver wires it (<c>AddAzureProvider</c>), in a container the test disposes.</summary>
    public static WiredProvider Provider(FakeAzure fake, TimeProvider? time = null, Func<AzureProviderOptions, AzureProviderOptions>? tweak = null, DriverMetrics? metrics = null)
    {
        var options = tweak is null ? Options(fake) : tweak(Options(fake));
        return WiredProvider.Build(services => services
            .AddSingleton(options)
            .AddSingleton(time ?? TimeProvider.System)
            .AddSingleton(metrics ?? Metrics())
            .AddAzureProvider(options.MaxObjectBytes));
    }

    /// <summary>The driver's metrics on a registry of their own (no volumes).</summary>
    public static DriverMetrics Metrics() => new(new MetricsRegistry(), new NoVolumes());

    /// <summary>The value of <c>csi_secrets_store_backend_calls_total{provider="azure",call=..}</c>, 0 when absent.</summary>
    public static long Calls(this DriverMetrics metrics, string call)
    {
        var prefix = $"csi_secrets_store_backend_calls_total{{provider=\"azure\",call=\"{call}\"}} ";
        var line = metrics.Registry.Render().Split('\n').FirstOrDefault(l => l.StartsWith(prefix, StringComparison.Ordinal));
        return line is null ? 0 : long.Parse(line[prefix.Length..], System.Globalization.CultureInfo.InvariantCulture);
    }

    /// <summary>Workload identity parameters for <paramref name="objects"/> (an upstream <c>array:</c> block).</summary>
    public static Dictionary<string, string> WorkloadParameters(string objects) => new()
    {
        ["keyvaultName"] = FakeAzure.VaultName,
        ["tenantID"] = FakeAzure.Tenant,
        ["clientID"] = WorkloadClient,
        ["objects"] = objects,
    };

    public static string Objects(params string[] documents) =>
        "array:\n" + string.Concat(documents.Select(d => "  - |\n" + string.Concat(d.Split('\n').Select(line => "    " + line + "\n"))));

    public static string TokensJson(string token = PodToken, string audience = "api://AzureADTokenExchange") =>
        $$$"""{"{{{audience}}}":{"token":"{{{token}}}","expirationTimestamp":"2026-01-01T01:00:00Z"}}""";

    public static ProviderRequest Request(
        Dictionary<string, string> parameters,
        string? tokensJson = "default",
        Dictionary<string, string>? secrets = null,
        string podName = "app-0",
        string serviceAccount = "workload",
        string className = "azure-kv",
        IReadOnlyList<ObjectVersion>? current = null,
        IFetchScope? scope = null)
    {
        var tokens = ServiceAccountTokens.Parse(tokensJson == "default" ? TokensJson() : tokensJson);
        var attributes = new Dictionary<string, string>(parameters)
        {
            ["secretProviderClass"] = className,
            ["csi.storage.k8s.io/pod.name"] = podName,
            ["csi.storage.k8s.io/pod.namespace"] = "default",
            ["csi.storage.k8s.io/serviceAccount.name"] = serviceAccount,
        };
        return new ProviderRequest(
            new SecretProviderClass { Name = className, Namespace = "default", Provider = "azure", Parameters = parameters },
            attributes,
            new PodIdentity(podName, "default", "uid-1", serviceAccount, tokens),
            secrets ?? new Dictionary<string, string>(),
            (UnixFileMode)Convert.ToInt32("644", 8),
            current ?? [],
            "/tmp/unused")
        {
            FetchScope = scope,
        };
    }

    /// <summary>The message names the class and carries no credential or issued token.</summary>
    public static void ShouldBeClean(this SecretStoreException ex, FakeAzure? fake = null, params string[] secrets)
    {
        ex.Message.Should().Contain("default/azure-kv");
        ex.Message.Should().NotContain(PodToken).And.NotContain(SpSecret).And.NotContain("fake-access-token");
        foreach (var secret in secrets)
        {
            ex.Message.Should().NotContain(secret);
        }

        foreach (var token in fake?.IssuedTokens ?? [])
        {
            ex.Message.Should().NotContain(token);
        }
    }

    public static string Text(this ProviderResult result, string path) =>
        System.Text.Encoding.UTF8.GetString(result.Files.Single(f => f.Path == path).Contents.Span);
}

/// <summary>An empty volume registry, for metrics built outside the driver.</summary>
internal sealed class NoVolumes : IVolumeRegistry
{
    public IReadOnlyCollection<VolumeRecord> All => [];

    public VolumeRecord? Get(string volumeId) => null;

    public VolumeRecord? FindByTarget(string targetPath) => null;

    public void Save(VolumeRecord record)
    {
    }

    public void Remove(string volumeId)
    {
    }
}
