using System.Net;
using CsiDriver.ExternalSecrets.Hosting;
using CsiDriver.ExternalSecrets.Kubernetes;
using CsiDriver.ExternalSecrets.Runtime;
using CsiDriver.Kubernetes;
using CsiDriver.Observability;
using CsiDriver.Tests.Infrastructure;
using CsiDriver.Tests.Kubernetes;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace CsiDriver.Tests.ExternalSecrets;

/// <summary>Two controller hosts in process, real HTTP to one fake API server, one Lease: only the leader reconciles.</summary>
public sealed class LeaderHandOverTests
{
    private const string LeaseNamespace = "kube-system";
    private const string LeaseName = "external-secrets-controller";

    // Each host's logs, where it reports the metrics URL it bound (port 0 resolved).
    private readonly Dictionary<ControllerHost, CapturingLoggerProvider> _logs = [];

    [Fact]
    public async Task TwoControllers_OnlyTheLeaderReconciles_BothReady_StoppingTheLeaderHandsOver()
    {
        await using var ctx = await ControllerTestContext.StartAsync();
        ctx.Server.Put(ControllerTestContext.Group, "externalsecrets", "team-a", ControllerTestContext.ExternalSecret("db"));
        var first = new RecordingReconciler(ControllerResources.ExternalSecretKind);
        var second = new RecordingReconciler(ControllerResources.ExternalSecretKind);
        await using var one = await StartAsync(ctx, ControllerTestContext.Token, first);
        await Eventually.TrueAsync(() => IsLeader(one), ControllerTestContext.Wait, "the first controller leads");
        await using var two = await StartAsync(ctx, ControllerTestContext.Token, second);
        await Eventually.TrueAsync(async () => first.Calls.Count == 1 && await ReadyAsync(two) == HttpStatusCode.OK, ControllerTestContext.Wait, "the leader reconciled; the follower synced");

        IsLeader(two).Should().BeFalse();
        (await ReadyAsync(two)).Should().Be(HttpStatusCode.OK, "a follower is ready: its caches are synced");
        (await ReadyAsync(one)).Should().Be(HttpStatusCode.OK);
        ctx.Server.Put(ControllerTestContext.Group, "externalsecrets", "team-a", ControllerTestContext.ExternalSecret("cache", generation: 1));
        await Eventually.TrueAsync(() => first.Calls.Count == 2, ControllerTestContext.Wait, "the leader reconciles the new one");
        second.Calls.Should().BeEmpty("a follower watches but never reconciles");
        var firstHolder = Holder(ctx);

        var stopped = DateTime.UtcNow;
        await one.StopAsync();
        Holder(ctx).Should().BeNullOrEmpty("a leader that stops releases the lease");

        await Eventually.TrueAsync(() => IsLeader(two), ControllerTestContext.Wait, "the follower takes over");
        (DateTime.UtcNow - stopped).Should().BeLessThan(Lease.LeaseDuration * 2, "a released lease is taken at the next retry, not after expiry");
        await Eventually.TrueAsync(() => second.Calls.Count == 2, ControllerTestContext.Wait, "the new leader reconciles everything it cached");
        Holder(ctx).Should().NotBe(firstHolder);
        first.Calls.Should().HaveCount(2);
    }

    [Fact]
    public async Task LeaderThatCannotRenew_StepsDown_FollowerTakesOverAfterTheLeaseExpires()
    {
        await using var ctx = await ControllerTestContext.StartAsync();
        ctx.AddUser("replica-b-token", "replica-b");
        ctx.Server.Put(ControllerTestContext.Group, "externalsecrets", "team-a", ControllerTestContext.ExternalSecret("db"));
        var first = new RecordingReconciler(ControllerResources.ExternalSecretKind);
        var second = new RecordingReconciler(ControllerResources.ExternalSecretKind);
        await using var one = await StartAsync(ctx, ControllerTestContext.Token, first);
        await Eventually.TrueAsync(() => IsLeader(one) && first.Calls.Count == 1, ControllerTestContext.Wait, "the first controller leads");
        await using var two = await StartAsync(ctx, "replica-b-token", second);
        await Eventually.TrueAsync(async () => await ReadyAsync(two) == HttpStatusCode.OK, ControllerTestContext.Wait, "the follower synced");

        // The leader's API access to the lease breaks (a partition): it cannot renew.
        ctx.Server.FailNext(r => r.User == ControllerTestContext.User && r.Resource == "leases", int.MaxValue, HttpStatusCode.ServiceUnavailable);

        await Eventually.TrueAsync(() => !IsLeader(one), ControllerTestContext.Wait, "the leader steps down after its renew deadline");
        await Eventually.TrueAsync(() => IsLeader(two) && second.Calls.Count == 1, ControllerTestContext.Wait, "the follower takes over once the lease expired");
        IsLeader(one).Should().BeFalse("two leaders at once would both write");
        var lease = ctx.Server.Get("coordination.k8s.io", "leases", LeaseNamespace, LeaseName)!;
        lease["spec"]!["leaseTransitions"]!.GetValue<int>().Should().Be(1);
    }

    [Fact]
    public async Task LeaderThatLosesAndRegainsTheLease_ReconcilesEveryObjectAgain()
    {
        await using var ctx = await ControllerTestContext.StartAsync();
        ctx.Server.Put(ControllerTestContext.Group, "externalsecrets", "team-a", ControllerTestContext.ExternalSecret("db"));
        var reconciler = new RecordingReconciler(ControllerResources.ExternalSecretKind);
        await using var one = await StartAsync(ctx, ControllerTestContext.Token, reconciler);
        await Eventually.TrueAsync(() => IsLeader(one) && reconciler.Calls.Count == 1, ControllerTestContext.Wait, "the controller leads and reconciles");

        // A partition from the lease: the term ends, and the reconciler's answer (no timed requeue) leaves nothing queued.
        var partitioned = true;
        ctx.Server.FailNext(r => Volatile.Read(ref partitioned) && r.Resource == "leases", int.MaxValue, HttpStatusCode.ServiceUnavailable);
        await Eventually.TrueAsync(() => !IsLeader(one), ControllerTestContext.Wait, "the leader steps down after its renew deadline");
        Volatile.Write(ref partitioned, false);

        await Eventually.TrueAsync(() => IsLeader(one), ControllerTestContext.Wait, "the lease is taken again once the API answers");
        await Eventually.TrueAsync(() => reconciler.Calls.Count == 2, ControllerTestContext.Wait, "a new term looks at every cached object, with no watch event to prompt it");
    }

    [Fact]
    public async Task StoppedWhileItsTakeOverIsUnanswered_ReleasesTheLeaseTheServerGaveIt()
    {
        await using var ctx = await ControllerTestContext.StartAsync();
        ctx.Server.LoseAnswerNext(r => r.Resource == "leases" && r.Verb is "create" or "update", 1);
        var reconciler = new RecordingReconciler(ControllerResources.ExternalSecretKind);
        await using var host = await StartAsync(ctx, ControllerTestContext.Token, reconciler);
        await Eventually.TrueAsync(() => !string.IsNullOrEmpty(Holder(ctx)), ControllerTestContext.Wait, "the server records the take-over");

        await host.StopAsync();

        Holder(ctx).Should().BeNullOrEmpty("the process the server made holder releases the lease on stop, though it never heard so");
        reconciler.Calls.Should().BeEmpty("it never led");
    }

    [Fact]
    public async Task LeaderElectionOff_ReconcilesAtOnce_AndTouchesNoLease()
    {
        await using var ctx = await ControllerTestContext.StartAsync();
        ctx.Server.Put(ControllerTestContext.Group, "externalsecrets", "team-a", ControllerTestContext.ExternalSecret("db"));
        var reconciler = new RecordingReconciler(ControllerResources.ExternalSecretKind);

        await using var host = await StartAsync(ctx, ControllerTestContext.Token, reconciler, leaderElect: false);

        await Eventually.TrueAsync(() => reconciler.Calls.Count == 1, ControllerTestContext.Wait, "the reconcile");
        ctx.Server.Requests.Should().NotContain(r => r.Resource == "leases");
    }

    [Fact]
    public async Task Metrics_ServeTheReconcileCounterAndLeadership_HealthzAlwaysOk()
    {
        await using var ctx = await ControllerTestContext.StartAsync();
        ctx.Server.Put(ControllerTestContext.Group, "externalsecrets", "team-a", ControllerTestContext.ExternalSecret("db"));
        var reconciler = new RecordingReconciler(ControllerResources.ExternalSecretKind, _ => ReconcileResult.After(TimeSpan.FromHours(1)));
        await using var host = await StartAsync(ctx, ControllerTestContext.Token, reconciler);
        await Eventually.TrueAsync(() => reconciler.Calls.Count == 1, ControllerTestContext.Wait, "the reconcile");

        using var http = new HttpClient { BaseAddress = MetricsUri(host) };
        var metrics = await http.GetStringAsync("/metrics");
        var health = await http.GetAsync("/healthz");

        metrics.Should().Contain("controller_runtime_reconcile_total{controller=\"externalsecret\",result=\"requeue_after\"} 1");
        metrics.Should().Contain("leader_election_master_status 1");
        health.StatusCode.Should().Be(HttpStatusCode.OK);
    }

    [Fact]
    public async Task ControllerProcess_SigtermReleasesTheLease_AndExitsZero()
    {
        await using var ctx = await ControllerTestContext.StartAsync();
        var kubeconfig = KubeTestContext.WriteKubeconfig(ctx.Directory, ctx.Server, $"token: {ControllerTestContext.Token}", file: "process-kubeconfig");
        using var controller = DriverProcess.Start(
            "controller", "--kubeconfig", kubeconfig, "--metrics-addr", "127.0.0.1:0", "--leader-election-namespace", LeaseNamespace,
            "--leader-election-lease-duration=4s", "--leader-election-renew-deadline=3s", "--leader-election-retry-period=500ms");
        await Eventually.TrueAsync(() => !string.IsNullOrEmpty(Holder(ctx)) || controller.HasExited, TimeSpan.FromSeconds(60), "the process takes the lease");
        controller.HasExited.Should().BeFalse(controller.Output);

        controller.Signal("TERM");

        (await controller.WaitForExitAsync(TimeSpan.FromSeconds(30))).Should().Be(0, controller.Output);
        Holder(ctx).Should().BeNullOrEmpty("the leader released the lease on SIGTERM");
        controller.Output.Should().Contain("Released the lease");
    }

    private static readonly ControllerOptions Lease = new()
    {
        LeaseDuration = TimeSpan.FromSeconds(2),
        RenewDeadline = TimeSpan.FromSeconds(1.5),
        RetryPeriod = TimeSpan.FromMilliseconds(200),
    };

    private async Task<ControllerHost> StartAsync(ControllerTestContext ctx, string token, IReconciler reconciler, bool leaderElect = true)
    {
        var logs = new CapturingLoggerProvider();
        var options = new ControllerOptions
        {
            MetricsAddr = "127.0.0.1:0",
            LeaderElect = leaderElect,
            LeaderElectionNamespace = LeaseNamespace,
            LeaseDuration = Lease.LeaseDuration,
            RenewDeadline = Lease.RenewDeadline,
            RetryPeriod = Lease.RetryPeriod,
            ShutdownTimeout = TimeSpan.FromSeconds(5),
        };
        var host = await ControllerHost.StartAsync(
            options,
            ctx.Connect(token),
            logging => logging.ClearProviders().AddProvider(logs),
            services =>
            {
                services.AddSingleton(reconciler);
                services.AddSingleton(new KubernetesClientOptions { Retry = new KubernetesClientOptions().Retry with { MaxAttempts = 1 }, RequestTimeout = TimeSpan.FromSeconds(5), MaxConnectionsPerServer = 16 });
            });
        _logs[host] = logs;
        return host;
    }

    /// <summary>Whether <paramref name="host"/> runs workers, as its <c>leader_election_master_status</c> series shows it.</summary>
    private static bool IsLeader(ControllerHost host) =>
        TestMetrics.Scraped(host.Services.GetRequiredService<MetricsRegistry>(), "leader_election_master_status") == 1;

    private Uri MetricsUri(ControllerHost host) => new((string)_logs[host].Events(1324).Should().ContainSingle(e => e.ContainsKey("MetricsUrl")).Subject["MetricsUrl"]!);

    private async Task<HttpStatusCode> ReadyAsync(ControllerHost host)
    {
        using var http = new HttpClient { BaseAddress = MetricsUri(host) };
        using var response = await http.GetAsync("/readyz");
        return response.StatusCode;
    }

    private static string? Holder(ControllerTestContext ctx) =>
        ctx.Server.Get("coordination.k8s.io", "leases", LeaseNamespace, LeaseName)?["spec"]?["holderIdentity"]?.GetValue<string>();
}
