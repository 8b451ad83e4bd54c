using System.Text.Json.Nodes;
using CsiDriver.Observability;
using CsiDriver.Protos.Csi.V1;
using CsiDriver.Providers.Aws;
using CsiDriver.Rotation;
using CsiDriver.Tests.Infrastructure;
using CsiDriver.Tests.Kubernetes;
using CsiDriver.Tests.Rotation;
using Microsoft.Extensions.DependencyInjection;
using RotationClock = CsiDriver.Tests.Rotation.ManualTimeProvider;

namespace CsiDriver.Tests.Providers.Aws;

/// <summary>
/// Rotation passes of the real driver (CSI socket, rotation loop on a hand-moved clock) over volumes of the aws
/// provider against the loopback AWS, with IRSA roles read from the loopback Kubernetes API.
/// </summary>
public sealed class AwsRotationPassTests : IAsyncLifetime
{
    private const string Namespace = "app";
    private const string RoleA = AwsTestContext.RoleArn;
    private const string RoleB = "arn:aws:iam::123456789012:role/other-secrets";
    private const string TokenA = AwsTestContext.StsToken;
    private const string TokenB = "eyJhbGciOiJSUzI1NiJ9.other-sts-token.sig";
    private static readonly TimeSpan Poll = TimeSpan.FromMinutes(2);

    private readonly RotationClock _clock = new();
    private FakeAwsServer _aws = null!;
    private KubeTestContext _kube = null!;
    private DriverFixture _driver = null!;
    private RotationLoopWatch? _loop;

    private DriverMetrics Metrics => _driver.Host.Services.GetRequiredService<DriverMetrics>();

    public async Task InitializeAsync()
    {
        _aws = await FakeAwsServer.StartAsync();
        _aws.Roles[RoleA] = TokenA;
        _aws.Roles[RoleB] = TokenB;
        _aws.Now = _clock.GetUtcNow;
        _kube = await KubeTestContext.StartAsync();
        _kube.Server.Put(string.Empty, "serviceaccounts", Namespace, ServiceAccount("sa-a", RoleA));
        _kube.Server.Put(string.Empty, "serviceaccounts", Namespace, ServiceAccount("sa-b", RoleB));
        var aws = new AwsProviderOptions
        {
            EndpointUrl = _aws.Url,
            ImdsEndpoint = _aws.Url,
            PodIdentityEndpoint = new Uri(_aws.Url, "/v1/credentials"),
            Retry = new AwsProviderOptions().Retry with { MaxAttempts = 1 },
        };
        var rotation = new RotationOptions { Enabled = true, PollInterval = Poll, Jitter = 0, MinimumPause = TimeSpan.FromSeconds(1) };
        _driver = await DriverFixture.StartAsync(
            o =>
            {
                o.Kubeconfig = _kube.KubeconfigPath;
                o.EnableSecretRotation = true;
            },
            services: s =>
            {
                s.AddSingleton<TimeProvider>(_clock);
                s.AddSingleton(rotation);
                s.AddSingleton(aws);
            });
    }

    public async Task DisposeAsync()
    {
        await _driver.DisposeAsync();
        await _kube.DisposeAsync();
        await _aws.DisposeAsync();
    }

    [Fact]
    public async Task Pass_VolumesSharingObjectsAndIdentity_EachObjectReadOncePerIdentity()
    {
        var secrets = Enumerable.Range(0, 4).Select(i => _aws.PutSecret("us-east-1", $"s{i}", text: $"e2e-old-{i}", versionId: $"v{i}-1")).ToList();
        for (var i = 0; i < 4; i++)
        {
            _aws.PutParameter("us-east-1", $"/p{i}", $"e2e-param-{i}-v1");
        }

        WriteClass("first", "s0", "s1", "s2", "/p0", "/p1");
        WriteClass("second", "s1", "s2", "s3", "/p1", "/p2", "/p3");
        var targets = new List<(string Target, string Class)>();
        for (var i = 0; i < 10; i++)
        {
            // Six pods as sa-a / role A (both classes), four as sa-b / role B (class "second" only).
            var className = i < 6 && i % 2 == 0 ? "first" : "second";
            targets.Add((await PublishAsync($"pod-{i}", className, i < 6 ? "sa-a" : "sa-b"), className));
        }

        for (var i = 0; i < 4; i++)
        {
            secrets[i].AddVersion($"v{i}-2", $"e2e-new-{i}", null);
            _aws.PutParameter("us-east-1", $"/p{i}", $"e2e-param-{i}-v2");
        }

        _aws.ResetCounts();
        var accountReads = ServiceAccountReads();
        var pass = await NextPassAsync();

        pass.Failed.Should().Be(0);
        (ServiceAccountReads() - accountReads).Should().Be(2, "the role annotation is read once per service account in a pass");
        pass.Rotated.Should().Be(10);
        foreach (var (target, className) in targets)
        {
            foreach (var i in className == "first" ? new[] { 0, 1, 2 } : new[] { 1, 2, 3 })
            {
                Volume.Read(target, $"s{i}").Should().Be($"e2e-new-{i}");
            }

            Volume.Read(target, "_p1").Should().Be("e2e-param-1-v2");
        }

        // Role A reads s0..s3 and /p0../p3; role B s1..s3 and /p1../p3: one value read per pair, one DescribeSecret per secret pair.
        foreach (var name in new[] { "s0", "s1", "s2", "s3", "/p0", "/p1", "/p2", "/p3" })
        {
            _aws.ValueReads(RoleA, name).Should().Be(1, $"role A reads {name} once");
            _aws.ValueReads(RoleB, name).Should().Be(name is "s0" or "/p0" ? 0 : 1, $"role B reads {name} once if its class names it");
        }

        _aws.TotalValueReads.Should().Be(8 + 6);
        _aws.Calls("secretsmanager.DescribeSecret").Should().Be(7);
        _aws.Calls("STS.AssumeRoleWithWebIdentity").Should().Be(0);
        var metrics = Metrics.Registry.Render();
        metrics.Should().Contain("csi_secrets_store_backend_calls_total{provider=\"aws\",call=\"describe_secret\"} 7", "publishes hold no version yet; the pass describes 7 (identity, secret) pairs")
            .And.Contain("csi_secrets_store_backend_calls_total{provider=\"aws\",call=\"assume_role_with_web_identity\"} 10", "one per pod at its first publish, none in the pass");
        _driver.Logs.AllText.Should().NotContain("e2e-new-").And.NotContain("e2e-param-").And.NotContain(TokenA).And.NotContain(TokenB);
    }

    [Fact]
    public async Task Pass_SharedReadRefused_EveryVolumeOfThatIdentityFailsNamingItsClassAndKeepsItsFiles()
    {
        var secret = _aws.PutSecret("us-east-1", "s0", text: "e2e-old-0", versionId: "v0-1");
        WriteClass("alpha", "s0");
        WriteClass("beta", "s0");
        var a = await PublishAsync("pod-a", "alpha", "sa-a");
        var b1 = await PublishAsync("pod-b1", "alpha", "sa-b");
        var b2 = await PublishAsync("pod-b2", "beta", "sa-b");
        secret.AddVersion("v0-2", "e2e-new-0", null);
        _aws.GetDenied[(RoleB, "s0")] = true;
        _aws.ResetCounts();

        var pass = await NextPassAsync();

        pass.Rotated.Should().Be(1);
        pass.Failed.Should().Be(2);
        Volume.Read(a, "s0").Should().Be("e2e-new-0");
        Volume.Read(b1, "s0").Should().Be("e2e-old-0", "a failed fetch never touches the files");
        Volume.Read(b2, "s0").Should().Be("e2e-old-0");
        _aws.ValueReads(RoleA, "s0").Should().Be(1);
        _aws.ValueReads(RoleB, "s0").Should().Be(1, "role B's volumes share one refused read");
        var logs = _driver.Logs.AllText;
        logs.Should().Contain("app/alpha").And.Contain("app/beta").And.Contain("AccessDeniedException");
        logs.Should().NotContain("e2e-new-0").And.NotContain("e2e-old-0").And.NotContain(TokenB);
        TestMetrics.Scraped(Metrics.Registry, "rotation_reconcile_error_total{provider=\"aws\",error_type=\"AccessDeniedException\",os_type=\"linux\",rotated=\"false\"}").Should().Be(2);
    }

    private int ServiceAccountReads() => _kube.Server.Requests.Count(r => r.Resource == "serviceaccounts");

    private void WriteClass(string name, params string[] objects)
    {
        var yaml = string.Join('\n', objects.Select(o => $"- {{objectName: {o}, objectType: {(o.StartsWith('/') ? "ssmparameter" : "secretsmanager")}}}"));
        _driver.WriteClass(name, "aws", yaml, Namespace, "    region: us-east-1");
    }

    /// <summary>kubelet's first NodePublishVolume for one pod's volume, with the pod's own sts.amazonaws.com token.</summary>
    private async Task<string> PublishAsync(string podUid, string className, string serviceAccount)
    {
        var target = _driver.TraversableTargetPath(podUid);
        var tokens = new JsonObject
        {
            ["sts.amazonaws.com"] = new JsonObject { ["token"] = serviceAccount == "sa-a" ? TokenA : TokenB, ["expirationTimestamp"] = "2030-01-01T00:00:00Z" },
        }.ToJsonString();
        var request = CsiClient.PublishRequest(target, className, volumeId: "vol-" + podUid, podNamespace: Namespace, extraContext: new Dictionary<string, string> { ["csi.storage.k8s.io/serviceAccount.tokens"] = tokens });
        request.VolumeContext["csi.storage.k8s.io/pod.uid"] = podUid;
        request.VolumeContext["csi.storage.k8s.io/pod.name"] = podUid;
        request.VolumeContext["csi.storage.k8s.io/serviceAccount.name"] = serviceAccount;
        await _driver.Client.PublishAsync(request);
        return target;
    }

    /// <summary>Moves the clock by a poll interval once the loop sleeps, and waits for the pass that causes.</summary>
    private Task<RotationPassResult> NextPassAsync() => (_loop ??= new RotationLoopWatch(_driver.Logs, _clock)).NextPassAsync(Poll);

    private static JsonObject ServiceAccount(string name, string roleArn) => new()
    {
        ["apiVersion"] = "v1",
        ["kind"] = "ServiceAccount",
        ["metadata"] = new JsonObject { ["name"] = name, ["annotations"] = new JsonObject { [AwsCredentialResolver.RoleArnAnnotation] = roleArn } },
    };
}
