using CsiDriver.Hosting;
using CsiDriver.Observability;
using CsiDriver.Providers.Azure;
using CsiDriver.Rotation;
using CsiDriver.Tests.Infrastructure;
using CsiDriver.Tests.Rotation;
using Microsoft.Extensions.DependencyInjection;

namespace CsiDriver.Tests.Providers.Azure;

/// <summary>
/// The real driver in process (CSI on a temp unix socket, classes from a folder) with rotation on, a
/// <see cref="ManualTimeProvider"/>, and the azure provider pointed at a <see cref="FakeAzure"/>, so a test
/// publishes volumes through CSI, moves time, and counts what one rotation pass asked of Key Vault.
/// </summary>
internal sealed class AzureRotationDriver : IAsyncDisposable
{
    private static long _classStamp;
    private readonly RotationDriver _driver;

    private AzureRotationDriver(RotationDriver driver)
    {
        _driver = driver;
    }

    public DriverOptions Options => _driver.Options;

    public ManualTimeProvider Clock => _driver.Clock;

    public CapturingLoggerProvider Logs => _driver.Logs;

    public CsiClient Client => _driver.Client;

    public RotationReconciler Reconciler => _driver.Reconciler;

    public DriverMetrics Metrics => _driver.Metrics;

    public static async Task<AzureRotationDriver> StartAsync(FakeAzure fake) =>
        new(await RotationDriver.StartAsync(configureServices: services => services.AddSingleton(AzureTestKit.Options(fake))));

    /// <summary>Writes a <c>provider: azure</c> class; <paramref name="objects"/> are upstream object documents.</summary>
    public void WriteClass(string name, string clientId, params string[] objects)
    {
        var objectLines = string.Concat(objects.Select(o => "        - |\n" + string.Concat(o.Split('\n').Select(l => "          " + l + "\n"))));
        var path = Path.Combine(Options.SpcDir!, $"default-{name}.yaml");
        File.WriteAllText(path, $"""
            apiVersion: secrets-store.csi.x-k8s.io/v1
            kind: SecretProviderClass
            metadata:
              name: {name}
              namespace: default
            spec:
              provider: azure
              parameters:
                keyvaultName: {FakeAzure.VaultName}
                tenantID: {FakeAzure.Tenant}
                clientID: "{clientId}"
                objects: |
                  array:

            """ + objectLines);
        File.SetLastWriteTimeUtc(path, new DateTime(2030, 1, 1, 0, 0, 0, DateTimeKind.Utc).AddSeconds(Interlocked.Increment(ref _classStamp)));
    }

    public string TargetPath(string podUid) => _driver.TargetPath(podUid);

    /// <summary>kubelet's NodePublishVolume for a pod running as <paramref name="serviceAccount"/> with its own token.</summary>
    public async Task<string> PublishAsync(string volumeId, string className, string podUid, string serviceAccount, string podToken)
    {
        var target = TargetPath(podUid);
        var request = CsiClient.PublishRequest(target, className, volumeId);
        request.VolumeContext["csi.storage.k8s.io/pod.uid"] = podUid;
        request.VolumeContext["csi.storage.k8s.io/pod.name"] = "pod-" + podUid;
        request.VolumeContext["csi.storage.k8s.io/serviceAccount.name"] = serviceAccount;
        request.Secrets.Add("csi.storage.k8s.io/serviceAccount.tokens", new System.Text.Json.Nodes.JsonObject
        {
            [AzureMountConfig.WorkloadIdentityAudience] = new System.Text.Json.Nodes.JsonObject
            {
                ["token"] = podToken,
                ["expirationTimestamp"] = (Clock.GetUtcNow() + TimeSpan.FromHours(1)).UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", System.Globalization.CultureInfo.InvariantCulture),
            },
        }.ToJsonString());
        await Client.PublishAsync(request);
        return target;
    }

    /// <summary>Moves the clock by <paramref name="advance"/> once the loop sleeps, and waits for the pass that causes.</summary>
    public Task<RotationPassResult> NextPassAsync(TimeSpan advance) => _driver.NextPassAsync(advance);

    public ValueTask DisposeAsync() => _driver.DisposeAsync();
}
