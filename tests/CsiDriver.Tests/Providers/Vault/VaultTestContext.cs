using System.Text;
using CsiDriver.Observability;
using CsiDriver.Providers;
using CsiDriver.Providers.Vault;
using CsiDriver.Publishing;
using CsiDriver.Spec;
using CsiDriver.State;
using Microsoft.AspNetCore.Server.Kestrel.Https;
using Microsoft.Extensions.Logging.Abstractions;

namespace CsiDriver.Tests.Providers.Vault;

/// <summary>A fake Vault, the real provider and a shared manual clock; builds requests the way the publisher does.</summary>
public sealed class VaultTestContext : IAsyncDisposable
{
    private VaultTestContext(ManualClock clock, FakeVaultServer server, VaultProviderOptions options)
    {
        Clock = clock;
        Server = server;
        Options = options;
        Metrics = new DriverMetrics(new MetricsRegistry(), new NoVolumes());
        Provider = new VaultProvider(options, clock, NullLogger<VaultProvider>.Instance, Metrics, new VersionedValueCache(VersionedValueCache.DefaultMaxBytes));
    }

    public ManualClock Clock { get; }

    public FakeVaultServer Server { get; }

    public VaultProviderOptions Options { get; }

    internal VaultProvider Provider { get; }

    internal DriverMetrics Metrics { get; }

    /// <summary>The value of <c>csi_secrets_store_backend_calls_total{provider="vault",call=...}</c>, 0 when never counted.</summary>
    public long BackendCalls(string call)
    {
        var prefix = $"csi_secrets_store_backend_calls_total{{provider=\"vault\",call=\"{call}\"}} ";
        var line = Metrics.Registry.Render().Split('\n').FirstOrDefault(l => l.StartsWith(prefix, StringComparison.Ordinal));
        return line is null ? 0 : long.Parse(line[prefix.Length..], System.Globalization.CultureInfo.InvariantCulture);
    }

    /// <summary>The pod's JWT for audience "vault"; must never show up in an error.</summary>
    public string PodJwt { get; } = TestJwt.For("vault");

    public static async Task<VaultTestContext> StartAsync(Action<VaultProviderOptions>? configure = null, HttpsConnectionAdapterOptions? https = null)
    {
        var clock = new ManualClock();
        var server = await FakeVaultServer.StartAsync(clock, https);
        var options = new VaultProviderOptions { RequestTimeout = TimeSpan.FromSeconds(20), VersionKey = Encoding.UTF8.GetBytes("test-version-key") };
        configure?.Invoke(options);
        return new VaultTestContext(clock, server, options);
    }

    /// <summary>Class parameters with the fake Vault's address and role "app", plus any overrides (null removes a key).</summary>
    public Dictionary<string, string> Parameters(string objects, params (string Key, string? Value)[] overrides)
    {
        var parameters = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["roleName"] = "app",
            ["vaultAddress"] = Server.Address.ToString(),
            ["objects"] = objects,
        };
        foreach (var (key, value) in overrides)
        {
            if (value is null)
            {
                parameters.Remove(key);
            }
            else
            {
                parameters[key] = value;
            }
        }

        return parameters;
    }

    public ProviderRequest Request(
        Dictionary<string, string> parameters,
        IDictionary<string, string>? tokens = null,
        IReadOnlyDictionary<string, string>? secrets = null,
        string targetPath = "/var/lib/kubelet/pods/pod-1/volumes/kubernetes.io~csi/secrets/mount",
        IReadOnlyList<ObjectVersion>? currentVersions = null,
        string podNamespace = "default",
        string serviceAccount = "app-sa",
        string className = "app-secrets",
        IFetchScope? scope = null)
    {
        var spc = new SecretProviderClass { Name = className, Namespace = podNamespace, Provider = "vault", Parameters = parameters };
        var tokensJson = TestJwt.TokensJson(tokens ?? new Dictionary<string, string> { ["vault"] = PodJwt });
        var attributes = new Dictionary<string, string>(parameters, StringComparer.Ordinal)
        {
            ["secretProviderClass"] = spc.Name,
            ["csi.storage.k8s.io/pod.name"] = "app-pod",
            ["csi.storage.k8s.io/pod.namespace"] = podNamespace,
            ["csi.storage.k8s.io/pod.uid"] = "pod-1",
            ["csi.storage.k8s.io/serviceAccount.name"] = serviceAccount,
            [ServiceAccountTokens.AttributeKey] = tokensJson,
        };
        var pod = new PodIdentity("app-pod", podNamespace, "pod-1", serviceAccount, ServiceAccountTokens.Parse(tokensJson));
        return new ProviderRequest(spc, attributes, pod, secrets ?? new Dictionary<string, string>(), (UnixFileMode)0x1A4, currentVersions ?? [], targetPath) { FetchScope = scope };
    }

    internal Task<ProviderResult> FetchAsync(ProviderRequest request, CancellationToken cancellationToken = default) =>
        Provider.FetchAsync(request, cancellationToken);

    internal async Task<SecretStoreException> FailsAsync(ProviderRequest request)
    {
        var ex = await Assert.ThrowsAsync<SecretStoreException>(() => Provider.FetchAsync(request, CancellationToken.None));
        ex.Message.Should().Contain("default/app-secrets");
        ex.Message.Should().NotContain(PodJwt).And.NotContain("hvs.");
        return ex;
    }

    public async ValueTask DisposeAsync()
    {
        Provider.Dispose();
        await Server.DisposeAsync();
    }
}

/// <summary>No volumes: the provider tests need metrics, not the volume gauge.</summary>
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

/// <summary>Reading results by object name.</summary>
public static class ProviderResultExtensions
{
    public static string Text(this ProviderResult result, string path) =>
        Encoding.UTF8.GetString(result.Files.Single(f => f.Path == path).Contents.Span);

    public static string Version(this ProviderResult result, string id) => result.Versions.Single(v => v.Id == id).Version;
}
