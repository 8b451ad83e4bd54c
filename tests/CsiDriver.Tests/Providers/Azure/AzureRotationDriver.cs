using CsiDriver.Hosting;
using CsiDriver.Observability;
using CsiDriver.Providers.Azure;
using CsiDriver.Rotation;
using CsiDriver.Tests.Infrastructure;
using CsiDriver.Tests.Rotation;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace CsiDriver.Tests.Providers.Azure;

/// <summary>
/// The real driver in process (CSI on a temp unix socket, classes from a folder) with rotation on, a
/// <see cref="ManualTimeProvider"/>, and the azure provider pointed at a <see cref="FakeAzure"/>, so a test
/// publishes volumes through CSI, moves time, and counts what one rotation pass asked of Key Vault.
/// </summary>
internal sealed class AzureRotationDriver : IAsyncDisposable
{
    private static long _classStamp;

    private AzureRotationDriver(TestDirectory directory, DriverOptions options, DriverHost host, ManualTimeProvider clock, CapturingLoggerProvider logs)
    {
        Directory = directory;
        Options = options;
        Host = host;
        Clock = clock;
        Logs = logs;
        Client = new CsiClient(host.SocketPath);
    }

    public TestDirectory Directory { get; }

    public DriverOptions Options { get; }

    public DriverHost Host { get; }

    public ManualTimeProvider Clock { get; }

    public CapturingLoggerProvider Logs { get; }

    public CsiClient Client { get; }

    public RotationReconciler Reconciler => Host.Services.GetRequiredService<RotationReconciler>();

    public DriverMetrics Metrics => Host.Services.GetRequiredService<DriverMetrics>();

    public static async Task<AzureRotationDriver> StartAsync(FakeAzure fake)
    {
        var directory = new TestDirectory();
        var options = new DriverOptions
        {
            Endpoint = "unix://" + directory.Combine("plugin", "csi.sock"),
            NodeId = "test-node",
            StateDir = directory.Combine("state"),
            SpcDir = directory.CreateDirectory("classes"),
            Verbosity = 5,
            MetricsAddr = string.Empty,
            ShutdownTimeout = TimeSpan.FromSeconds(10),
            EnableSecretRotation = true,
        };
        var rotation = new RotationOptions
        {
            Enabled = true,
            PollInterval = TimeSpan.FromMinutes(2),
            Jitter = 0,
            MinimumPause = TimeSpan.FromSeconds(1),
        };
        var clock = new ManualTimeProvider();
        var logs = new CapturingLoggerProvider();
        var host = await DriverHost.StartAsync(
            options,
            logging => logging.AddProvider(logs),
            services =>
            {
                services.AddSingleton<TimeProvider>(clock);
                services.AddSingleton(rotation);
                services.AddSingleton(AzureTestKit.Options(fake));
            });
        return new AzureRotationDriver(directory, options, host, clock, logs);
    }

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

    public string TargetPath(string podUid) => Directory.Combine("pods", podUid, "volumes", "kubernetes.io~csi", "secrets", "mount");

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
    public async Task<RotationPassResult> NextPassAsync(TimeSpan advance)
    {
        await Eventually.TrueAsync(() => Reconciler.IsWaiting, because: "the rotation loop to sleep");
        var before = Reconciler.PassesCompleted;
        Clock.Advance(advance);
        await Eventually.TrueAsync(() => Reconciler.PassesCompleted > before, because: "a rotation pass");
        return Reconciler.LastPass!;
    }

    public async ValueTask DisposeAsync()
    {
        Client.Dispose();
        await Host.DisposeAsync();
        Directory.Dispose();
    }
}
