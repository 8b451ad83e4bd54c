using CsiDriver.Hosting;
using CsiDriver.Kubernetes;
using CsiDriver.Observability;
using CsiDriver.Protos.Csi.V1;
using CsiDriver.Rotation;
using CsiDriver.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace CsiDriver.Tests.Rotation;

/// <summary>
/// The real driver in process (CSI on a temp unix socket, classes from a folder, the local provider, optionally
/// a loopback Kubernetes API) with rotation on and a <see cref="ManualTimeProvider"/>, so a test moves time
/// and waits for the pass it caused.
/// </summary>
public sealed class RotationDriver : IAsyncDisposable
{
    private static long _classStamp;

    private RotationDriver(TestDirectory directory, DriverOptions options, DriverHost host, ManualTimeProvider clock, CapturingLoggerProvider logs)
    {
        Directory = directory;
        Options = options;
        Host = host;
        Clock = clock;
        Logs = logs;
        Loop = new RotationLoopWatch(logs, clock);
        Client = new CsiClient(host.SocketPath);
    }

    public TestDirectory Directory { get; }

    public DriverOptions Options { get; }

    public DriverHost Host { get; }

    public ManualTimeProvider Clock { get; }

    public CapturingLoggerProvider Logs { get; }

    internal RotationLoopWatch Loop { get; }

    public CsiClient Client { get; }

    internal RotationReconciler Reconciler => Host.Services.GetRequiredService<RotationReconciler>();

    internal DriverMetrics Metrics => Host.Services.GetRequiredService<DriverMetrics>();

    public static async Task<RotationDriver> StartAsync(Action<RotationOptions>? rotation = null, LoopbackSecretsApi? api = null, bool enabled = true, Action<IServiceCollection>? configureServices = null)
    {
        var directory = new TestDirectory();
        var options = new DriverOptions
        {
            Endpoint = "unix://" + directory.Combine("plugin", "csi.sock"),
            NodeId = "test-node",
            StateDir = directory.Combine("state"),
            SpcDir = directory.CreateDirectory("classes"),
            LocalStoreRoot = directory.CreateDirectory("store"),
            LocalStoreScope = "node", // these tests share one store across namespaces
            Verbosity = 5,
            MetricsAddr = string.Empty,
            ShutdownTimeout = TimeSpan.FromSeconds(10),
            EnableSecretRotation = enabled,
            Kubeconfig = api?.WriteKubeconfig(directory.Combine("kubeconfig")),
        };
        var rotationOptions = new RotationOptions
        {
            Enabled = enabled,
            PollInterval = TimeSpan.FromMinutes(2),
            Jitter = 0,
            MinimumPause = TimeSpan.FromSeconds(1),
        };
        rotation?.Invoke(rotationOptions);
        var clock = new ManualTimeProvider();
        var logs = new CapturingLoggerProvider();
        var host = await DriverHost.StartAsync(
            options,
            logging => logging.AddProvider(logs),
            services =>
            {
                services.AddSingleton<TimeProvider>(clock);
                services.AddSingleton(rotationOptions);
                services.AddSingleton(new KubernetesClientOptions { Retry = new KubernetesClientOptions().Retry with { MaxAttempts = 1 }, RequestTimeout = TimeSpan.FromMinutes(30) });
                configureServices?.Invoke(services);
            });
        return new RotationDriver(directory, options, host, clock, logs);
    }

    public string TargetPath(string podUid, string volume = "secrets") =>
        Directory.Combine("pods", podUid, "volumes", "kubernetes.io~csi", volume, "mount");

    public string WriteStoreFile(string relativePath, string contents)
    {
        var path = Path.Combine(Options.LocalStoreRoot!, relativePath);
        System.IO.Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, contents);
        return path;
    }

    /// <summary>Writes (or rewrites) a class manifest; <paramref name="rotationYaml"/> is the body of spec.rotation.</summary>
    public void WriteClass(string name, string provider, string objectsYaml, string @namespace = "default", string? rotationYaml = null, string? refresh = null, string? extraParameters = null)
    {
        static string Indent(string text, int spaces) => string.Join('\n', text.Trim('\n').Split('\n').Select(l => new string(' ', spaces) + l));
        var path = Path.Combine(Options.SpcDir!, $"{@namespace}-{name}.yaml");
        File.WriteAllText(path, $"""
            apiVersion: secrets-store.csi.x-k8s.io/v1
            kind: SecretProviderClass
            metadata:
              name: {name}
              namespace: {@namespace}
            {(refresh is null ? string.Empty : $"  annotations:\n    secrets-store.csi.k8s.io/refresh: \"{refresh}\"")}
            spec:
              provider: {provider}
            {(rotationYaml is null ? string.Empty : "  rotation:\n" + Indent(rotationYaml, 4))}
              parameters:
            {(extraParameters is null ? string.Empty : Indent(extraParameters, 4))}
                objects: |
            {Indent(objectsYaml, 6)}
            """);

        // The folder source re-reads a manifest when its size or mtime changes; make sure the mtime does.
        File.SetLastWriteTimeUtc(path, new DateTime(2030, 1, 1, 0, 0, 0, DateTimeKind.Utc).AddSeconds(Interlocked.Increment(ref _classStamp)));
    }

    /// <summary>kubelet's NodePublishVolume for a pod's inline volume.</summary>
    public async Task<string> PublishAsync(
        string volumeId,
        string className,
        string podUid,
        string @namespace = "default",
        string serviceAccount = "app-sa",
        string? tokensJson = null,
        IDictionary<string, string>? secrets = null)
    {
        var target = TargetPath(podUid);
        await Client.PublishAsync(Request(volumeId, className, podUid, @namespace, serviceAccount, tokensJson, secrets));
        return target;
    }

    public NodePublishVolumeRequest Request(string volumeId, string className, string podUid, string @namespace = "default", string serviceAccount = "app-sa", string? tokensJson = null, IDictionary<string, string>? secrets = null)
    {
        var request = CsiClient.PublishRequest(TargetPath(podUid), className, volumeId, @namespace);
        request.VolumeContext["csi.storage.k8s.io/pod.uid"] = podUid;
        request.VolumeContext["csi.storage.k8s.io/pod.name"] = "pod-" + podUid;
        request.VolumeContext["csi.storage.k8s.io/serviceAccount.name"] = serviceAccount;
        if (tokensJson is not null)
        {
            request.Secrets.Add("csi.storage.k8s.io/serviceAccount.tokens", tokensJson);
        }

        if (secrets is not null)
        {
            request.Secrets.Add(secrets);
        }

        return request;
    }

    /// <summary>kubelet's tokens JSON for one audience (the API server's: "").</summary>
    public string Tokens(string token, TimeSpan validFor, string audience = "") =>
        new System.Text.Json.Nodes.JsonObject
        {
            [audience] = new System.Text.Json.Nodes.JsonObject
            {
                ["token"] = token,
                ["expirationTimestamp"] = (Clock.GetUtcNow() + validFor).UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", System.Globalization.CultureInfo.InvariantCulture),
            },
        }.ToJsonString();

    /// <summary>Moves the clock by <paramref name="advance"/> once the loop sleeps, and waits for the pass that causes.</summary>
    internal Task<RotationPassResult> NextPassAsync(TimeSpan advance) => Loop.NextPassAsync(advance);

    public async ValueTask DisposeAsync()
    {
        Client.Dispose();
        await Host.DisposeAsync();
        Directory.Dispose();
    }
}
