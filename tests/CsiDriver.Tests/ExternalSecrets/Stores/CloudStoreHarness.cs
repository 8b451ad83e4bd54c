using System.Text.Json.Nodes;
using CsiDriver.ExternalSecrets.Stores;
using CsiDriver.Kubernetes;
using CsiDriver.Tests.Infrastructure;
using CsiDriver.Tests.Kubernetes;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace CsiDriver.Tests.ExternalSecrets.Stores;

/// <summary>
/// What every cloud store's test context shares: a loopback API server where the controller may read Secrets and
/// ServiceAccounts and request tokens, as its ClusterRole allows; the store providers as <c>AddExternalSecretStores</c>
/// wires them with the backend's settings; captured logs. The clock is real (the backends' credentials expire in an hour).
/// </summary>
internal sealed class CloudStoreHarness(FakeKubeApiServer kube, TestDirectory directory, ServiceProvider services, CapturingLoggerProvider logs) : IAsyncDisposable
{
    public const string Ns = "team-a";
    public const string ControllerUser = "system:serviceaccount:external-secrets:csi-secrets-store-controller";

    public FakeKubeApiServer Kube { get; } = kube;

    public CapturingLoggerProvider Logs { get; } = logs;

    public string Directory => directory.Path;

    /// <param name="controllerToken">The controller's own bearer token at the API server.</param>
    /// <param name="backend">The backend's settings (and any other service) before the stores are added; gets the test folder.</param>
    public static async Task<CloudStoreHarness> StartAsync(string controllerToken, Action<IServiceCollection, string> backend)
    {
        var kube = await FakeKubeApiServer.StartAsync();
        kube.AddToken(controllerToken, ControllerUser);
        kube.Allow(ControllerUser, new FakeRule("", "secrets", ["get"]), new FakeRule("", "serviceaccounts", ["get"]), new FakeRule("", "serviceaccounts/token", ["create"]));
        var directory = new TestDirectory();
        var connection = KubeconfigLoader.Load(KubeTestContext.WriteKubeconfig(directory, kube, $"token: {controllerToken}"), TimeProvider.System);
        var logs = new CapturingLoggerProvider();
        var services = new ServiceCollection()
            .AddLogging(l => l.AddProvider(logs).SetMinimumLevel(LogLevel.Trace))
            .AddSingleton(TimeProvider.System)
            .AddSingleton(KubeTestContext.FastOptions())
            .AddSingleton(sp => new KubernetesApi(connection, KubeTestContext.FastOptions(), TimeProvider.System, () => 0.5, sp.GetRequiredService<ILoggerFactory>().CreateLogger("test")))
            .AddSingleton(TestMetrics.Create());
        backend(services, directory.Path);
        return new CloudStoreHarness(kube, directory, services.AddExternalSecretStores().BuildServiceProvider(), logs);
    }

    /// <summary>The store provider registered under <paramref name="key"/> (<c>aws</c>, <c>azurekv</c>, <c>gcpsm</c>).</summary>
    public IStoreProvider Store(string key) => services.GetServices<IStoreProvider>().Single(p => p.Key == key);

    public async Task<IStoreClient> ConnectAsync(string key, JsonObject block, string ns = Ns) =>
        await Store(key).ConnectAsync(StoreTestContext.SecretStore(ns, key, block), CancellationToken.None);

    public void PutServiceAccount(string name, IDictionary<string, string>? annotations = null, string ns = Ns)
    {
        var metadata = new JsonObject { ["name"] = name };
        if (annotations is not null)
        {
            metadata["annotations"] = new JsonObject(annotations.Select(a => KeyValuePair.Create(a.Key, (JsonNode?)a.Value)));
        }

        Kube.Put("", "serviceaccounts", ns, new JsonObject { ["apiVersion"] = "v1", ["kind"] = "ServiceAccount", ["metadata"] = metadata });
    }

    /// <summary>Stops the store services first, then the API server; the caller stops its backend after.</summary>
    public async ValueTask DisposeAsync()
    {
        await services.DisposeAsync();
        await Kube.DisposeAsync();
        directory.Dispose();
    }
}
