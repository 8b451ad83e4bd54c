using System.Text.Json.Nodes;
using CsiDriver.Hosting;
using CsiDriver.Observability;
using CsiDriver.Protos.Csi.V1;
using CsiDriver.Providers;
using CsiDriver.Providers.Gcp;
using CsiDriver.Rotation;
using CsiDriver.Tests.Infrastructure;
using CsiDriver.Tests.Rotation;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace CsiDriver.Tests.Providers.Gcp;

/// <summary>
/// Rotation passes of the real driver (CSI on a temp unix socket, classes from a folder, rotation on, a manual
/// clock) against the loopback Google endpoints, counting what each pass costs at Google.
/// </summary>
public sealed class GcpRotationTests : IAsyncLifetime
{
    private const string Pool = "my-proj.svc.id.goog";
    private const string FedA = "fed:default/app-a";
    private const string GsaB = "reader-b@my-proj.iam.gserviceaccount.com";
    private const string S0 = "projects/my-proj/secrets/s0";
    private const string S1 = "projects/my-proj/secrets/s1";
    private const string S2 = "projects/my-proj/secrets/s2";
    private const string S3 = "projects/my-proj/secrets/s3";
    private static readonly TimeSpan Poll = TimeSpan.FromMinutes(2);

    private readonly Dictionary<string, Dictionary<string, string>> _accounts = new(StringComparer.Ordinal);
    private readonly ManualTimeProvider _clock = new();
    private readonly CapturingLoggerProvider _logs = new();
    private RotationLoopWatch? _loop;
    private readonly TestDirectory _directory = new();
    private readonly List<string> _podTokens = [];
    private GcpTestBed _gcp = null!;
    private DriverHost _host = null!;
    private CsiClient _client = null!;

    private FakeGcpServer Google => _gcp.Server;

    private string Metrics => _host.Services.GetRequiredService<DriverMetrics>().Registry.Render();

    public async Task InitializeAsync()
    {
        _gcp = await GcpTestBed.StartAsync(o => o.Retry = o.Retry with { MaxAttempts = 1 });
        Google.Clock = _clock;
        var options = new DriverOptions
        {
            Endpoint = "unix://" + _directory.Combine("plugin", "csi.sock"),
            NodeId = "test-node",
            StateDir = _directory.Combine("state"),
            SpcDir = _directory.CreateDirectory("classes"),
            Verbosity = 5,
            MetricsAddr = string.Empty,
            ShutdownTimeout = TimeSpan.FromSeconds(10),
            EnableSecretRotation = true,
        };
        var rotation = new RotationOptions { Enabled = true, PollInterval = Poll, Jitter = 0, MinimumPause = TimeSpan.FromSeconds(1) };
        _host = await DriverHost.StartAsync(
            options,
            logging => logging.AddProvider(_logs),
            services =>
            {
                services.AddSingleton<TimeProvider>(_clock);
                services.AddSingleton(rotation);
                services.AddSingleton(_gcp.Options);
                services.AddSingleton<IServiceAccountLookup>(new DictionaryServiceAccountLookup(_accounts));
            });
        _client = new CsiClient(_host.SocketPath);

        // app-a reads as its federated identity; app-b impersonates a Google service account.
        _accounts["default/app-b"] = new() { [GcpCredentialResolver.ServiceAccountAnnotation] = GsaB };
        Google.TokenCreators[GsaB] = ["fed:default/app-b"];
        foreach (var (secret, values) in new[] { (S0, new[] { "rot-s0-one" }), (S1, ["rot-s1-one"]), (S2, ["rot-s2-one", "rot-s2-two"]), (S3, ["rot-s3-one"]) })
        {
            foreach (var value in values)
            {
                Google.AddVersion(secret, value);
            }

            Google.Allow(secret, FedA);
            Google.Allow(secret, "gsa:" + GsaB);
        }

        WriteClass("first", $"{S0}/versions/latest", $"{S1}/versions/latest", $"{S2}/versions/1");
        WriteClass("second", $"{S1}/versions/latest", $"{S2}/versions/1", $"{S3}/versions/latest");
    }

    public async Task DisposeAsync()
    {
        _client.Dispose();
        await _host.DisposeAsync();
        await _gcp.DisposeAsync();
        _directory.Dispose();
    }

    [Fact]
    public async Task Pass_VolumesSharingSecretsAndIdentity_EachResourceReadOncePerIdentityPinnedFromMemory()
    {
        // Four pods as app-a (both classes), two as app-b (class "second"): each pod has its own token.
        var targets = new List<string>();
        for (var i = 0; i < 6; i++)
        {
            targets.Add(await PublishAsync($"vol-{i}", i < 4 && i % 2 == 0 ? "first" : "second", i < 4 ? "app-a" : "app-b"));
        }

        Google.TotalReads.Should().Be(18, "a new publish always reads every object, pinned or not");
        Google.StsCalls.Should().Be(2, "one exchange per identity, not per volume");
        Google.IamCalls.Should().Be(1);
        Google.AddVersion(S1, "rot-s1-two");
        Google.ResetCounts();

        var pass = await NextPassAsync(Poll);

        pass.Fetched.Should().Be(6);
        pass.Failed.Should().Be(0);
        pass.Rotated.Should().Be(6, "every volume reads s1, which rotated");

        // app-a reads s0, s1, s3 by alias; app-b s1 and s3; the pinned s2/versions/1 both already hold: five reads in all.
        Google.Reads(FedA, $"{S0}/versions/latest").Should().Be(1);
        Google.Reads(FedA, $"{S1}/versions/latest").Should().Be(1);
        Google.Reads(FedA, $"{S3}/versions/latest").Should().Be(1);
        Google.Reads("gsa:" + GsaB, $"{S1}/versions/latest").Should().Be(1);
        Google.Reads("gsa:" + GsaB, $"{S3}/versions/latest").Should().Be(1);
        Google.Reads("gsa:" + GsaB, $"{S0}/versions/latest").Should().Be(0, "app-b's class does not name s0, and app-a's read is not served to it");
        Google.AccessCalls.Keys.Should().NotContain($"{S2}/versions/1", "a pinned version the volumes already hold costs no call");
        Google.TotalReads.Should().Be(5);
        Google.StsCalls.Should().Be(0, "the tokens are still valid");
        Google.IamCalls.Should().Be(0);
        Volume.Read(targets[0], "s2").Should().Be("rot-s2-one", "the pinned file is rewritten from memory");
        Volume.Read(targets[1], "s1").Should().Be("rot-s1-two");
        Volume.Read(targets[4], "s1").Should().Be("rot-s1-two");
        Volume.Read(targets[4], "s2").Should().Be("rot-s2-one");

        // A new pod with a pinned version the driver holds in memory still reads it from Google.
        var fresh = await PublishAsync("vol-6", "first", "app-a");

        Volume.Read(fresh, "s2").Should().Be("rot-s2-one");
        Google.Reads(FedA, $"{S2}/versions/1").Should().Be(1, "memory never stands in for Google authorising a new reader");
        Google.TotalReads.Should().Be(8);
        var metrics = Metrics;
        metrics.Should().Contain(Calls("access_version", 18 + 5 + 3));
        metrics.Should().Contain(Calls("sts_token", 2)).And.Contain(Calls("generate_access_token", 1));
        metrics.Should().NotContain("call=\"render_version\"").And.NotContain("call=\"metadata_value\"");
        AssertNothingLeaked();
    }

    [Fact]
    public async Task Pass_TokensDueForRefresh_OneExchangePerIdentityNotPerVolume()
    {
        for (var i = 0; i < 6; i++)
        {
            await PublishAsync($"vol-{i}", "second", i < 4 ? "app-a" : "app-b");
        }

        Google.ResetCounts();

        // Tokens live an hour and are refreshed 5 minutes before: this pass must renew them, once per identity.
        var pass = await NextPassAsync(TimeSpan.FromMinutes(56));

        pass.Fetched.Should().Be(6);
        pass.Failed.Should().Be(0);
        Google.StsCalls.Should().Be(2, "four app-a volumes share one exchange, two app-b volumes another");
        Google.IamCalls.Should().Be(1);
        Google.Reads(FedA, $"{S1}/versions/latest").Should().Be(1);
        Google.Reads("gsa:" + GsaB, $"{S3}/versions/latest").Should().Be(1);
        Google.TotalReads.Should().Be(4);
        Metrics.Should().Contain(Calls("sts_token", 2 + 2)).And.Contain(Calls("generate_access_token", 1 + 1)).And.Contain(Calls("access_version", 18 + 4));
        AssertNothingLeaked();
    }

    [Fact]
    public async Task Pass_SharedReadDenied_EveryVolumeSharingItFailsAndKeepsItsFiles()
    {
        WriteClass("third", $"{S1}/versions/latest");
        var targets = new[]
        {
            await PublishAsync("vol-0", "first", "app-a"),
            await PublishAsync("vol-1", "second", "app-a"),
            await PublishAsync("vol-2", "third", "app-a"),
            await PublishAsync("vol-3", "third", "app-b"),
        };
        Google.Readers[S1] = ["gsa:" + GsaB]; // app-a loses access to s1
        Google.ResetCounts();

        var pass = await NextPassAsync(Poll);

        pass.Fetched.Should().Be(4);
        pass.Failed.Should().Be(3, "every app-a volume reads s1; app-b still may, and app-a's failure is not served to it");
        Google.Reads(FedA, $"{S1}/versions/latest").Should().Be(1, "the denied read is shared by the three volumes");
        Google.Reads("gsa:" + GsaB, $"{S1}/versions/latest").Should().Be(1);
        foreach (var name in new[] { "first", "second", "third" })
        {
            _logs.Lines.Should().Contain(l => l.Contains($"SecretProviderClass default/{name}: failed to fetch", StringComparison.Ordinal) && l.Contains("secretmanager.versions.access", StringComparison.Ordinal), $"class {name}'s failure names it");
        }

        Volume.Read(targets[0], "s1").Should().Be("rot-s1-one", "a failed pass leaves what the pod already reads");
        Volume.Read(targets[2], "s1").Should().Be("rot-s1-one");
        AssertNothingLeaked();
    }

    private static string Calls(string call, int count) =>
        $"csi_secrets_store_backend_calls_total{{provider=\"gcp\",call=\"{call}\"}} {count}\n";

    private void WriteClass(string name, params string[] resources)
    {
        var lines = new List<string>
        {
            "apiVersion: secrets-store.csi.x-k8s.io/v1",
            "kind: SecretProviderClass",
            "metadata:",
            $"  name: {name}",
            "  namespace: default",
            "spec:",
            "  provider: gcp",
            "  parameters:",
            "    secrets: |",
        };
        foreach (var resource in resources)
        {
            lines.Add($"      - resourceName: \"{resource}\"");
            lines.Add($"        path: \"{resource.Split('/')[3]}\"");
        }

        File.WriteAllText(Path.Combine(_directory.Path, "classes", $"default-{name}.yaml"), string.Join('\n', lines) + "\n");
    }

    private async Task<string> PublishAsync(string volumeId, string className, string serviceAccount)
    {
        var podUid = "pod-" + volumeId;
        var target = _directory.Combine("pods", podUid, "volumes", "kubernetes.io~csi", "secrets", "mount");
        var token = FakeGcpServer.KubernetesToken(Pool, "default", serviceAccount);
        _podTokens.Add(token);
        var tokens = new JsonObject { [Pool] = new JsonObject { ["token"] = token, ["expirationTimestamp"] = "2099-01-01T00:00:00Z" } }.ToJsonString();
        var request = CsiClient.PublishRequest(target, className, volumeId, "default", extraContext: new Dictionary<string, string> { ["csi.storage.k8s.io/serviceAccount.tokens"] = tokens });
        request.VolumeContext["csi.storage.k8s.io/pod.uid"] = podUid;
        request.VolumeContext["csi.storage.k8s.io/pod.name"] = podUid;
        request.VolumeContext["csi.storage.k8s.io/serviceAccount.name"] = serviceAccount;
        await _client.PublishAsync(request);
        return target;
    }

    /// <summary>Moves the clock by <paramref name="advance"/> once the loop sleeps, and waits for the pass that causes.</summary>
    private Task<RotationPassResult> NextPassAsync(TimeSpan advance) => (_loop ??= new RotationLoopWatch(_logs, _clock)).NextPassAsync(advance);

    /// <summary>No secret value, pod token or Google access token in the logs or the state records.</summary>
    private void AssertNothingLeaked()
    {
        var logs = _logs.AllText;
        var state = string.Join('\n', Directory.GetFiles(_directory.Combine("state")).Select(File.ReadAllText));
        foreach (var forbidden in new[] { "rot-s0-one", "rot-s1-one", "rot-s1-two", "rot-s2-one", "rot-s2-two", "rot-s3-one", "ya29." }.Concat(_podTokens.Select(t => t.Split('.')[2])))
        {
            logs.Should().NotContain(forbidden);
            state.Should().NotContain(forbidden);
        }
    }
}
