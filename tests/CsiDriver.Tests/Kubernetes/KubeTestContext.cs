using System.Collections.Concurrent;
using CsiDriver.Kubernetes;
using CsiDriver.Tests.Infrastructure;
using Microsoft.Extensions.Logging.Abstractions;

namespace CsiDriver.Tests.Kubernetes;

/// <summary>Real time, except that backoff waits pass at once and are recorded.</summary>
public sealed class InstantDelayTimeProvider : TimeProvider
{
    private readonly ConcurrentQueue<TimeSpan> _delays = new();

    public IReadOnlyCollection<TimeSpan> Delays => _delays.ToArray();

    public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period)
    {
        if (dueTime > TimeSpan.Zero && dueTime != Timeout.InfiniteTimeSpan)
        {
            _delays.Enqueue(dueTime);
            dueTime = TimeSpan.FromMilliseconds(1);
        }

        return System.CreateTimer(callback, state, dueTime, period);
    }
}

/// <summary>A fake API server, a temp folder and a driver-side client connected to it with a bearer token.</summary>
internal sealed class KubeTestContext : IAsyncDisposable
{
    public const string DriverToken = "driver-token-0123456789";
    public const string DriverUser = "system:serviceaccount:kube-system:secrets-store-csi-driver";

    private KubeTestContext(FakeKubeApiServer server, TestDirectory directory, KubernetesApi api, InstantDelayTimeProvider time, string kubeconfig)
    {
        Server = server;
        Directory = directory;
        Api = api;
        Time = time;
        KubeconfigPath = kubeconfig;
    }

    public FakeKubeApiServer Server { get; }

    public TestDirectory Directory { get; }

    public KubernetesApi Api { get; }

    public KubernetesClient Client => Api.Client;

    public InstantDelayTimeProvider Time { get; }

    public string KubeconfigPath { get; }

    public static async Task<KubeTestContext> StartAsync(KubernetesClientOptions? options = null, bool grantDriverEverything = true)
    {
        var server = await FakeKubeApiServer.StartAsync();
        server.AddToken(DriverToken, DriverUser);
        if (grantDriverEverything)
        {
            server.Allow(DriverUser, new FakeRule(FakeKubeApiServer.SpcGroup, "*", ["*"]), new FakeRule("", "*", ["*"]));
        }

        var directory = new TestDirectory();
        var kubeconfig = WriteKubeconfig(directory, server, $"token: {DriverToken}");
        var time = new InstantDelayTimeProvider();
        var connection = KubeconfigLoader.Load(kubeconfig, time);
        var api = new KubernetesApi(connection, options ?? FastOptions(), time, () => 0.5, NullLogger.Instance);
        return new KubeTestContext(server, directory, api, time, kubeconfig);
    }

    public static KubernetesClientOptions FastOptions() => new()
    {
        RequestTimeout = TimeSpan.FromSeconds(10),
        Retry = new KubernetesClientOptions().Retry with { BaseDelay = TimeSpan.FromMilliseconds(100), MaxAttempts = 4 },
    };

    /// <summary>A kubeconfig for <paramref name="server"/> with the given user body (YAML, already indented by the caller's lines).</summary>
    public static string WriteKubeconfig(TestDirectory directory, FakeKubeApiServer server, string userYaml, string file = "kubeconfig", string? caYaml = null, string? namespaceName = "team-a")
    {
        var ca = caYaml ?? $"certificate-authority-data: {Base64(TestPki.CertificatePem(server.CertificateAuthority))}";
        var user = string.Join('\n', userYaml.Split('\n').Select(l => "    " + l));
        var path = directory.Combine(file);
        File.WriteAllText(path, $"""
            apiVersion: v1
            kind: Config
            current-context: test
            clusters:
            - name: fake
              cluster:
                server: {server.Url.ToString().TrimEnd('/')}
                {ca}
            users:
            - name: tester
              user:
            {user}
            contexts:
            - name: other
              context:
                cluster: missing
                user: tester
            - name: test
              context:
                cluster: fake
                user: tester
                namespace: {namespaceName}
            """);
        return path;
    }

    public static string Base64(string text) => Convert.ToBase64String(System.Text.Encoding.UTF8.GetBytes(text));

    public async ValueTask DisposeAsync()
    {
        Api.Dispose();
        await Server.DisposeAsync();
        Directory.Dispose();
    }
}
