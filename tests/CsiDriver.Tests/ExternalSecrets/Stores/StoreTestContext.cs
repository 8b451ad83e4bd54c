using System.Text;
using System.Text.Json.Nodes;
using CsiDriver.ExternalSecrets.Stores;
using CsiDriver.Kubernetes;
using CsiDriver.Tests.Infrastructure;
using CsiDriver.Tests.Kubernetes;
using CsiDriver.Tests.Providers.Vault;
using Microsoft.AspNetCore.Server.Kestrel.Https;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace CsiDriver.Tests.ExternalSecrets.Stores;

/// <summary>
/// A loopback API server (the controller authenticates with its own token and may get secrets and configmaps and create
/// serviceaccounts/token, as the component's ClusterRole allows), a fake Vault, one manual clock, and the store providers
/// as <c>AddExternalSecretStores</c> wires them.
/// </summary>
internal sealed class StoreTestContext(FakeKubeApiServer kube, FakeVaultServer vault, ManualClock clock, TestDirectory directory, ServiceProvider services, CapturingLoggerProvider logs) : IAsyncDisposable
{
    public const string ControllerToken = "controller-token-0123456789abcdef";
    public const string ControllerUser = "system:serviceaccount:external-secrets:csi-secrets-store-controller";

    public FakeKubeApiServer Kube { get; } = kube;

    public FakeVaultServer Vault { get; } = vault;

    public ManualClock Clock { get; } = clock;

    public CapturingLoggerProvider Logs { get; } = logs;

    public IStoreProvider VaultStores => services.GetServices<IStoreProvider>().Single(p => p.Key == "vault");

    public IStoreProvider KubernetesStores => services.GetServices<IStoreProvider>().Single(p => p.Key == "kubernetes");

    public static async Task<StoreTestContext> StartAsync(HttpsConnectionAdapterOptions? vaultHttps = null)
    {
        var clock = new ManualClock();
        var kube = await FakeKubeApiServer.StartAsync();
        kube.TokenClock = clock;
        kube.AddToken(ControllerToken, ControllerUser);
        kube.Allow(ControllerUser, new FakeRule("", "secrets", ["get"]), new FakeRule("", "configmaps", ["get"]), new FakeRule("", "serviceaccounts/token", ["create"]));
        var vault = await FakeVaultServer.StartAsync(clock, vaultHttps);
        var directory = new TestDirectory();
        var connection = KubeconfigLoader.Load(KubeTestContext.WriteKubeconfig(directory, kube, $"token: {ControllerToken}"), clock);
        var logs = new CapturingLoggerProvider();
        var services = new ServiceCollection()
            .AddLogging(l => l.AddProvider(logs).SetMinimumLevel(LogLevel.Trace))
            .AddSingleton<TimeProvider>(clock)
            .AddSingleton(KubeTestContext.FastOptions())
            .AddSingleton(sp => new KubernetesApi(connection, KubeTestContext.FastOptions(), clock, () => 0.5, sp.GetRequiredService<ILoggerFactory>().CreateLogger("test")))
            .AddSingleton(Infrastructure.TestMetrics.Create())
            .AddExternalSecretStores()
            .BuildServiceProvider();
        return new StoreTestContext(kube, vault, clock, directory, services, logs);
    }

    /// <summary>A SecretStore named "store" in <paramref name="ns"/> (where its ExternalSecrets live) with this provider block.</summary>
    public static StoreContext SecretStore(string ns, string providerKey, JsonObject provider) =>
        new(StoreContext.SecretStoreKind, "store", "uid-1", 1, providerKey, provider, ns);

    /// <summary>A ClusterSecretStore named "cluster-store", as an ExternalSecret in <paramref name="esNamespace"/> sees it.</summary>
    public static StoreContext ClusterStore(string esNamespace, string providerKey, JsonObject provider) =>
        new(StoreContext.ClusterSecretStoreKind, "cluster-store", "uid-2", 1, providerKey, provider, esNamespace);

    public void PutSecret(string ns, string name, IDictionary<string, string> data, IDictionary<string, string>? labels = null, IDictionary<string, string>? annotations = null)
    {
        var secret = FakeKubeApiServer.Secret(name, data);
        if (labels is not null)
        {
            secret["metadata"]!["labels"] = new JsonObject(labels.Select(l => KeyValuePair.Create(l.Key, (JsonNode?)l.Value)));
        }

        if (annotations is not null)
        {
            secret["metadata"]!["annotations"] = new JsonObject(annotations.Select(l => KeyValuePair.Create(l.Key, (JsonNode?)l.Value)));
        }

        Kube.Put("", "secrets", ns, secret);
    }

    public static string Text(byte[] value) => Encoding.UTF8.GetString(value);

    public static string Base64(string text) => Convert.ToBase64String(Encoding.UTF8.GetBytes(text));

    /// <summary>Requests the fake API server answered for this resource and verb.</summary>
    public int ApiCalls(string resource, string verb) => Kube.Requests.Count(r => r.Resource == resource && r.Verb == verb);

    public async ValueTask DisposeAsync()
    {
        await services.DisposeAsync();
        await Vault.DisposeAsync();
        await Kube.DisposeAsync();
        directory.Dispose();
    }
}
