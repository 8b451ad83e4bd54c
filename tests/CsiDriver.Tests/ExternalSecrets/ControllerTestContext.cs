using System.Collections.Concurrent;
using System.Text.Json.Nodes;
using CsiDriver.ExternalSecrets.Kubernetes;
using CsiDriver.ExternalSecrets.Runtime;
using CsiDriver.Kubernetes;
using CsiDriver.Tests.Infrastructure;
using CsiDriver.Tests.Kubernetes;
using Microsoft.Extensions.Logging.Abstractions;

namespace CsiDriver.Tests.ExternalSecrets;

/// <summary>
/// A fake API server whose controller users hold exactly the External Secrets controller's RBAC (the seam list),
/// plus connections and informers for tests of the controller runtime.
/// </summary>
internal sealed class ControllerTestContext(FakeKubeApiServer server, TestDirectory directory) : IAsyncDisposable
{
    public const string Token = "controller-token-0123456789";
    public const string User = "system:serviceaccount:kube-system:csi-secrets-store-controller";
    public const string Group = ControllerResources.Group;

    public FakeKubeApiServer Server { get; } = server;

    public TestDirectory Directory { get; } = directory;

    public static TimeSpan Wait { get; } = TimeSpan.FromSeconds(20);

    /// <summary>The controller's ClusterRole as the seams list it, as fake RBAC rules.</summary>
    public static FakeRule[] ControllerRules { get; } =
    [
        new(Group, "externalsecrets", ["get", "list", "watch", "create", "update", "delete"]),
        new(Group, "clusterexternalsecrets", ["get", "list", "watch", "update"]),
        new(Group, "clusterexternalsecrets/status", ["patch"]),
        new(Group, "externalsecrets/status", ["update"]),
        new(Group, "secretstores", ["get", "list", "watch"]),
        new(Group, "secretstores/status", ["update"]),
        new(Group, "clustersecretstores", ["get", "list", "watch"]),
        new(Group, "clustersecretstores/status", ["update"]),
        new(Group, "pushsecrets", ["get", "list", "watch", "create", "update", "delete"]),
        new(Group, "pushsecrets/status", ["update"]),
        new(Group, "clusterpushsecrets", ["get", "list", "watch"]),
        new(Group, "clusterpushsecrets/status", ["update"]),
        new("", "secrets", ["get", "list", "watch", "create", "update", "patch", "delete"]),
        new("generators.external-secrets.io", "passwords", ["get"]),
        new("generators.external-secrets.io", "vaultdynamicsecrets", ["get"]),
        new("generators.external-secrets.io", "clustergenerators", ["get"]),
        new("", "configmaps", ["get"]),
        new("", "serviceaccounts", ["get"]),
        new("", "serviceaccounts/token", ["create"]),
        new("", "namespaces", ["get", "list", "watch"]),
        new("", "events", ["create", "patch"]),
        new("coordination.k8s.io", "leases", ["get", "create", "update"]),
    ];

    public static async Task<ControllerTestContext> StartAsync()
    {
        var server = await FakeKubeApiServer.StartAsync();
        var context = new ControllerTestContext(server, new TestDirectory());
        context.AddUser(Token, User);
        return context;
    }

    /// <summary>Another controller identity (own token and user) with the same rules.</summary>
    public void AddUser(string token, string user)
    {
        Server.AddToken(token, user);
        Server.Allow(user, ControllerRules);
    }

    public KubernetesConnection Connect(string token = Token)
    {
        var path = KubeTestContext.WriteKubeconfig(Directory, Server, $"token: {token}", file: $"kubeconfig-{token}");
        return KubeconfigLoader.Load(path, TimeProvider.System);
    }

    public KubernetesApi Api(string token = Token) =>
        new(Connect(token), KubeTestContext.FastOptions(), TimeProvider.System, () => 0.5, NullLogger.Instance);

    public static ResourceInformer Informer(KubernetesApi api, WatchedResource resource, Action<ObjectChange> sink, TimeProvider time, InformerOptions? options = null) =>
        new(resource, false, new ListWatchClient(api.Transport, api.Connection.Token), sink, options ?? new InformerOptions(), time, () => 0.5, NullLogger.Instance);

    public static JsonObject ExternalSecret(string name, long generation = 1, string? target = null, string? store = null, string storeKind = "SecretStore") => new()
    {
        ["apiVersion"] = "external-secrets.io/v1",
        ["kind"] = "ExternalSecret",
        ["metadata"] = new JsonObject { ["name"] = name, ["generation"] = generation },
        ["spec"] = new JsonObject
        {
            ["secretStoreRef"] = new JsonObject { ["name"] = store ?? "vault", ["kind"] = storeKind },
            ["target"] = target is null ? new JsonObject() : new JsonObject { ["name"] = target },
            ["data"] = new JsonArray(new JsonObject { ["secretKey"] = "password", ["remoteRef"] = new JsonObject { ["key"] = "db" } }),
        },
    };

    public static JsonObject Store(string kind, string name, long generation = 1, string? ready = null)
    {
        var store = new JsonObject
        {
            ["apiVersion"] = "external-secrets.io/v1",
            ["kind"] = kind,
            ["metadata"] = new JsonObject { ["name"] = name, ["generation"] = generation },
            ["spec"] = new JsonObject { ["provider"] = new JsonObject { ["fake"] = new JsonObject { ["data"] = new JsonArray() } } },
        };
        if (ready is not null)
        {
            store["status"] = new JsonObject { ["conditions"] = new JsonArray(new JsonObject { ["type"] = "Ready", ["status"] = ready }) };
        }

        return store;
    }

    public static JsonObject ManagedSecret(string name, bool managed = true)
    {
        var secret = FakeKubeApiServer.Secret(name, new Dictionary<string, string> { ["password"] = "s3cr3t-value" });
        if (managed)
        {
            secret["metadata"]!["labels"] = new JsonObject { [ControllerResources.ManagedLabel] = "true" };
        }

        return secret;
    }

    public async ValueTask DisposeAsync()
    {
        await Server.DisposeAsync();
        Directory.Dispose();
    }
}

/// <summary>A reconciler that records each call and answers what the test says.</summary>
internal sealed class RecordingReconciler(string kind, Func<ObjectKey, ReconcileResult>? answer = null) : IReconciler
{
    private readonly ConcurrentQueue<ObjectKey> _calls = new();

    public string Kind { get; } = kind;

    public IReadOnlyCollection<ObjectKey> Calls => _calls.ToArray();

    public Task<ReconcileResult> ReconcileAsync(ObjectKey key, CancellationToken cancellationToken)
    {
        _calls.Enqueue(key);
        return Task.FromResult(answer?.Invoke(key) ?? ReconcileResult.Done);
    }
}
