using System.Text;
using System.Text.Json.Nodes;
using CsiDriver.Tests.Infrastructure;
using CsiDriver.Tests.Kubernetes;

namespace CsiDriver.Tests.Sync;

/// <summary>
/// The real driver in cluster mode against the loopback API server, with the driver's permissions taken from
/// deploy/rbac (the core role, plus the optional sync role unless a test leaves it out), reading objects with
/// the local provider so tests can change the source between publishes.
/// </summary>
internal sealed class SyncTestBed : IAsyncDisposable
{
    public const string Ns = "shop";
    public const string StatusResource = "secretproviderclasspodstatuses";

    private SyncTestBed(KubeTestContext ctx, DriverFixture driver)
    {
        Ctx = ctx;
        Driver = driver;
    }

    public KubeTestContext Ctx { get; }

    public DriverFixture Driver { get; }

    public FakeKubeApiServer Server => Ctx.Server;

    public static async Task<SyncTestBed> StartAsync(bool syncRole = true)
    {
        var ctx = await KubeTestContext.StartAsync(grantDriverEverything: false);
        ctx.Server.Allow(KubeTestContext.DriverUser, DeployManifests.AsFakeRules(DeployManifests.RoleGrants("rbac/clusterrole.yaml", "secretproviderclasses-role")));
        if (syncRole)
        {
            ctx.Server.Allow(KubeTestContext.DriverUser, DeployManifests.AsFakeRules(DeployManifests.RoleGrants("components/sync/clusterrole-syncsecret.yaml", "secretprovidersyncing-role")));
        }

        var driver = await DriverFixture.StartAsync(o =>
        {
            o.SpcDir = null;
            o.LocalStoreScope = "node"; // these tests read objects for pods in several namespaces from one store
            o.Kubeconfig = ctx.KubeconfigPath;
        });
        return new SyncTestBed(ctx, driver);
    }

    /// <summary>A class using the local provider with these objects and <c>spec.secretObjects</c>.</summary>
    public void PutClass(string name, string objectsYaml, params JsonObject[] secretObjects)
    {
        var spc = FakeKubeApiServer.SecretProviderClass(name, "local", new Dictionary<string, string> { ["objects"] = objectsYaml });
        spc["spec"]!["secretObjects"] = new JsonArray(secretObjects.Select(o => (JsonNode)o).ToArray());
        Server.Put(FakeKubeApiServer.SpcGroup, "secretproviderclasses", Ns, spc);
    }

    public static JsonObject SecretObject(string secretName, string? type, params (string ObjectName, string Key)[] data)
    {
        var entry = new JsonObject
        {
            ["secretName"] = secretName,
            ["data"] = new JsonArray(data.Select(d => (JsonNode)new JsonObject { ["objectName"] = d.ObjectName, ["key"] = d.Key }).ToArray()),
        };
        if (type is not null)
        {
            entry["type"] = type;
        }

        return entry;
    }

    /// <summary>Publishes as pod <paramref name="pod"/> (uid <paramref name="podUid"/>) and returns the target path.</summary>
    public async Task<string> PublishAsync(string className, string pod = "app-pod", string podUid = "pod-1", string volumeId = "csi-vol-1")
    {
        var target = Driver.TargetPath(podUid);
        var request = CsiClient.PublishRequest(target, className: className, volumeId: volumeId, podNamespace: Ns);
        request.VolumeContext["csi.storage.k8s.io/pod.name"] = pod;
        request.VolumeContext["csi.storage.k8s.io/pod.uid"] = podUid;
        await Driver.Client.PublishAsync(request);
        return target;
    }

    public JsonObject? Secret(string name) => Server.Get("", "secrets", Ns, name);

    public JsonObject? Status(string pod, string className) => Server.Get(FakeKubeApiServer.SpcGroup, StatusResource, Ns, $"{pod}-{Ns}-{className}");

    public static string Value(JsonObject secret, string key) => Encoding.UTF8.GetString(Convert.FromBase64String(secret["data"]![key]!.GetValue<string>()));

    public List<JsonObject> Events(string? reason = null) =>
        Server.List("", "events", Ns).Where(e => reason is null || e["reason"]!.GetValue<string>() == reason).ToList();

    /// <summary>Creates, updates and patches of Secrets the API server accepted.</summary>
    public int SecretWrites => Server.Requests.Count(r => r.Resource == "secrets" && r.Verb is "create" or "update" or "patch" && r.Status < 300);

    public int SecretCalls => Server.Requests.Count(r => r.Resource == "secrets");

    /// <summary>No secret value in any log line, event or status object.</summary>
    public void ShouldNotLeak(params string[] values)
    {
        var events = string.Join('\n', Server.List("", "events", Ns).Select(e => e.ToJsonString()));
        var statuses = string.Join('\n', Server.List(FakeKubeApiServer.SpcGroup, StatusResource, Ns).Select(e => e.ToJsonString()));
        foreach (var value in values)
        {
            Driver.Logs.AllText.Should().NotContain(value);
            events.Should().NotContain(value);
            statuses.Should().NotContain(value);
            events.Should().NotContain(Convert.ToBase64String(Encoding.UTF8.GetBytes(value)));
        }
    }

    public async ValueTask DisposeAsync()
    {
        await Driver.DisposeAsync();
        await Ctx.DisposeAsync();
    }
}
