using System.Text.RegularExpressions;
using Grpc.Core;
using CsiDriver.Tests.Infrastructure;

namespace CsiDriver.Tests.Providers.Vault;

/// <summary>
/// Through the CSI socket of the real driver, with the upstream-format manifests in Fixtures/
/// (the same files as deploy/examples/vault/) pointed at the loopback Vault.
/// </summary>
public sealed partial class VaultEndToEndTests : IAsyncLifetime
{
    private DriverFixture _driver = null!;
    private FakeVaultServer _vault = null!;
    private readonly ManualClock _clock = new();

    public async Task InitializeAsync()
    {
        _driver = await DriverFixture.StartAsync();
        _vault = await FakeVaultServer.StartAsync(_clock);
        _vault.Roles["jwt-k8s/app"] = new VaultRole("vault-prod", "default", "app-sa");
        _vault.PutKv2("app/db", new() { ["password"] = "s3cr3t-v1" });
        _vault.PutKv1("legacy", new() { ["api-key"] = "legacy-key" });
        foreach (var fixture in Directory.GetFiles(FixturesDirectory(), "*.yaml"))
        {
            var text = AddressLine().Replace(File.ReadAllText(fixture), $"vaultAddress: \"{_vault.Address}\"");
            File.WriteAllText(Path.Combine(_driver.SpcDir, Path.GetFileName(fixture)), text);
        }
    }

    public async Task DisposeAsync()
    {
        await _driver.DisposeAsync();
        await _vault.DisposeAsync();
    }

    [Fact]
    public void Fixtures_AreTheShippedExamples()
    {
        var examples = Path.Combine(RepositoryRoot(), "deploy", "examples", "vault");
        foreach (var fixture in Directory.GetFiles(FixturesDirectory(), "*.yaml"))
        {
            File.ReadAllText(Path.Combine(examples, Path.GetFileName(fixture))).Should().Be(File.ReadAllText(fixture), $"deploy/examples/vault/{Path.GetFileName(fixture)} is the tested fixture");
        }
    }

    [Fact]
    public async Task Publish_KvClass_WritesFilesAndRotationFollowsKvVersion()
    {
        var target = _driver.TraversableTargetPath("pod-kv");
        var request = Publish(target, "vault-kv");

        await _driver.Client.PublishAsync(request);
        Volume.Read(target, "db-password").Should().Be("s3cr3t-v1");
        Volume.Read(target, "legacy-api-key").Should().Be("legacy-key");
        Volume.Mode(target, "legacy-api-key").Should().Be((UnixFileMode)Convert.ToInt32("600", 8));
        Volume.Read(target, "app-config.json").Should().Contain("\"password\":\"s3cr3t-v1\"");
        StateText().Should().Contain("\"version\": \"1\"");

        _vault.PutKv2("app/db", new() { ["password"] = "s3cr3t-v2" });
        await _driver.Client.PublishAsync(request); // kubelet's republish / a rotation pass

        Volume.Read(target, "db-password").Should().Be("s3cr3t-v2");
        StateText().Should().Contain("\"version\": \"2\"").And.NotContain("s3cr3t");
        _vault.LoginCount.Should().Be(1, "the Vault token is cached across publishes");
    }

    [Fact]
    public async Task Publish_DatabaseClass_ReusesLeaseAndRevokesAtUnpublish()
    {
        var target = _driver.TraversableTargetPath("pod-db");
        var request = Publish(target, "vault-db");

        await _driver.Client.PublishAsync(request);
        var password = Volume.Read(target, "db-password");
        await _driver.Client.PublishAsync(request);

        _vault.MintCount.Should().Be(1);
        Volume.Read(target, "db-password").Should().Be(password);
        Volume.Read(target, "db-username").Should().StartWith("v-app-");

        await _driver.Client.UnpublishAsync(request.VolumeId, target);

        _vault.RevokeCount.Should().Be(1);
        _vault.LiveLeases.Should().BeEmpty();
    }

    [Fact]
    public async Task Publish_PkiClass_IssuesCertificateWithOneCall()
    {
        var target = _driver.TraversableTargetPath("pod-pki");

        await _driver.Client.PublishAsync(Publish(target, "vault-pki"));

        Volume.Read(target, "tls.crt").Should().Contain("CN=web.example.com");
        Volume.Read(target, "tls.key").Should().Contain("PRIVATE KEY");
        _vault.Requests.Count(r => r == "PUT /v1/pki/issue/web").Should().Be(1);
    }

    [Fact]
    public async Task Publish_EnterpriseClass_UsesNamespaceMountAndAudience()
    {
        _vault.Namespace = "team-a";
        _vault.PutKv2("team-a/api", new() { ["token"] = "api-token", ["signing-key"] = Convert.ToBase64String([1, 2, 3]) });
        var target = _driver.TraversableTargetPath("pod-ent");

        await _driver.Client.PublishAsync(Publish(target, "vault-team-a", new() { ["vault-prod"] = TestJwt.For("vault-prod") }));

        Volume.Read(target, "api-token").Should().Be("api-token");
        File.ReadAllBytes(Path.Combine(target, "signing.key")).Should().Equal(1, 2, 3);
        _vault.Requests.Should().Contain("POST /v1/auth/jwt-k8s/login");
    }

    [Fact]
    public async Task Publish_NoTokenForAudience_FailsInvalidArgumentAndMountsNothing()
    {
        var target = _driver.TraversableTargetPath("pod-notoken");

        var ex = await CsiClient.FailsAsync(() => _driver.Client.PublishAsync(Publish(target, "vault-kv", [])));

        ex.StatusCode.Should().Be(StatusCode.InvalidArgument);
        ex.Status.Detail.Should().Contain("default/vault-kv").And.Contain("tokenRequests");
        Directory.Exists(target).Should().BeFalse();
    }

    [Fact]
    public async Task Publish_PermissionDenied_FailsWithVaultErrorAndNoToken()
    {
        _vault.Roles["kubernetes/app"] = _vault.Roles["kubernetes/app"] with { DeniedPrefixes = ["/v1/kv/"] };
        var target = _driver.TraversableTargetPath("pod-denied");

        var ex = await CsiClient.FailsAsync(() => _driver.Client.PublishAsync(Publish(target, "vault-kv")));

        ex.StatusCode.Should().Be(StatusCode.PermissionDenied);
        ex.Status.Detail.Should().Contain("legacy-api-key").And.Contain("permission denied").And.NotContain("hvs.").And.NotContain("s3cr3t");
    }

    [Fact]
    public async Task Publish_OneOfParallelReadsDenied_FailsAndMountsNothing()
    {
        _vault.Roles["kubernetes/app"] = _vault.Roles["kubernetes/app"] with { DeniedPrefixes = ["/v1/kv/"] };
        _vault.Gate = new Infrastructure.ConcurrencyGate(2, TimeSpan.FromSeconds(5));
        var target = _driver.TraversableTargetPath("pod-denied-parallel");

        var ex = await CsiClient.FailsAsync(() => _driver.Client.PublishAsync(Publish(target, "vault-kv")));

        ex.StatusCode.Should().Be(StatusCode.PermissionDenied);
        ex.Status.Detail.Should().Contain("legacy-api-key");
        _vault.Requests.Should().Contain("GET /v1/secret/data/app/db", "the allowed read went out alongside the denied one");
        Directory.Exists(target).Should().BeFalse();
    }

    [Fact]
    public async Task Publish_CancelledWhileReadInFlight_TmpfsMountedDuringFetchThenNothingLeft()
    {
        _vault.HangPrefix = "/v1/secret/";
        var target = _driver.TraversableTargetPath("pod-early-mount");
        var request = Publish(target, "vault-kv");
        using var kubelet = new CancellationTokenSource();

        var publish = _driver.Client.Node.NodePublishVolumeAsync(request, new CallOptions(deadline: DateTime.UtcNow.AddSeconds(30), cancellationToken: kubelet.Token)).ResponseAsync;
        await Eventually.TrueAsync(
            () => _vault.Requests.Contains("GET /v1/secret/data/app/db") && Volume.IsTmpfsMount(target),
            because: "the tmpfs to be mounted while the KV v2 read hangs unanswered");
        await kubelet.CancelAsync();

        var ex = await CsiClient.FailsAsync(() => publish);
        ex.StatusCode.Should().Be(StatusCode.Cancelled);
        await Eventually.TrueAsync(() => !Directory.Exists(target), because: "the early mount and its directory to be taken down");
        Volume.MountCount(target).Should().Be(0);
        StateText().Should().NotContain(request.VolumeId);
    }

    [Fact]
    public async Task Publish_VaultSealed_FailsUnavailable()
    {
        _vault.Sealed = true;
        var target = _driver.TraversableTargetPath("pod-sealed");

        var ex = await CsiClient.FailsAsync(() => _driver.Client.PublishAsync(Publish(target, "vault-kv")));

        ex.StatusCode.Should().Be(StatusCode.Unavailable);
        ex.Status.Detail.Should().Contain("Vault is sealed");
    }

    private static Protos.Csi.V1.NodePublishVolumeRequest Publish(string target, string className, Dictionary<string, string>? tokens = null)
    {
        tokens ??= new() { ["vault"] = TestJwt.For("vault") };
        var context = tokens.Count == 0 ? null : new Dictionary<string, string> { ["csi.storage.k8s.io/serviceAccount.tokens"] = TestJwt.TokensJson(tokens) };
        return CsiClient.PublishRequest(target, className, volumeId: "vol-" + Path.GetFileName(Path.GetDirectoryName(Path.GetDirectoryName(Path.GetDirectoryName(Path.GetDirectoryName(target))))), extraContext: context);
    }

    private string StateText() => string.Join('\n', Directory.GetFiles(_driver.StateDir).Select(File.ReadAllText));

    private static string FixturesDirectory() => Path.Combine(RepositoryRoot(), "tests", "CsiDriver.Tests", "Providers", "Vault", "Fixtures");

    private static string RepositoryRoot()
    {
        var directory = new DirectoryInfo(AppContext.BaseDirectory);
        while (directory is not null && !File.Exists(Path.Combine(directory.FullName, "CsiDriver.sln")))
        {
            directory = directory.Parent;
        }

        return directory?.FullName ?? throw new InvalidOperationException("repository root (CsiDriver.sln) not found above the test binaries");
    }

    [GeneratedRegex("vaultAddress: \"[^\"]*\"")]
    private static partial Regex AddressLine();
}
