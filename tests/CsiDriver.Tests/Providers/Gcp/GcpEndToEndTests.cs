using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Grpc.Core;
using CsiDriver.Protos.Csi.V1;
using CsiDriver.Providers.Gcp;
using CsiDriver.State;
using CsiDriver.Tests.Infrastructure;
using CsiDriver.Tests.Kubernetes;
using Microsoft.Extensions.DependencyInjection;

namespace CsiDriver.Tests.Providers.Gcp;

/// <summary>
/// Through the CSI socket of the real driver, with the upstream-format manifests in Fixtures/ (the same files
/// as deploy/examples/gcp/) against the loopback Google endpoints. Workload identity exchanges the pod token
/// kubelet passes in <c>serviceAccount.tokens</c>; impersonation reads the pod's ServiceAccount annotation from
/// the loopback Kubernetes API (--kubeconfig); classes still come from --spc-dir.
/// </summary>
public sealed class GcpEndToEndTests : IAsyncLifetime
{
    private const string Namespace = "default";
    private const string ServiceAccount = "app"; // the fixtures' pod ServiceAccount
    private const string Pool = "my-proj.svc.id.goog";
    private const string Federated = "fed:default/app";
    private const string Gsa = "app@my-proj.iam.gserviceaccount.com";
    private const string TestSecret = "projects/my-proj/secrets/testsecret";
    private const string Latest = TestSecret + "/versions/latest";
    private const string Pinned = TestSecret + "/versions/1";

    /// <summary>Every secret value the fake Google holds; none may reach a log line, an error or the state record.</summary>
    private static readonly string[] Values =
        ["e2e-gcp-first", "e2e-gcp-second", "e2e-gcp-rotated", "e2e-db-pw", "e2e-db-user", "e2e-eu-db", "e2e-dsn-global", "e2e-dsn-us", "e2e-by-key", "e2e-locked"];

    private readonly string _podToken = FakeGcpServer.KubernetesToken(Pool, Namespace, ServiceAccount);
    private GcpTestBed _gcp = null!;
    private KubeTestContext _kube = null!;
    private DriverFixture _driver = null!;
    private RSA? _key;

    private FakeGcpServer Google => _gcp.Server;

    public async Task InitializeAsync()
    {
        _gcp = await GcpTestBed.StartAsync(o => o.Retry = o.Retry with { MaxAttempts = 3 });
        _kube = await KubeTestContext.StartAsync();
        PutServiceAccount(gsa: null);
        _driver = await DriverFixture.StartAsync(o => o.Kubeconfig = _kube.KubeconfigPath, services: s => s.AddSingleton(_gcp.Options));
        foreach (var fixture in Directory.GetFiles(FixturesDirectory(), "*.yaml"))
        {
            File.Copy(fixture, Path.Combine(_driver.SpcDir, Path.GetFileName(fixture)));
        }
    }

    public async Task DisposeAsync()
    {
        await _driver.DisposeAsync();
        await _kube.DisposeAsync();
        await _gcp.DisposeAsync();
        _key?.Dispose();
    }

    [Fact]
    public async Task Publish_AppSecretsFixture_ImpersonatesAnnotatedServiceAccount_WritesPathFileNameAndModeOnTmpfs()
    {
        PutServiceAccount(Gsa);
        Google.TokenCreators[Gsa] = [Federated];
        PutTestSecret(reader: "gsa:" + Gsa);
        var target = _driver.TraversableTargetPath("pod-impersonate");

        await _driver.Client.PublishAsync(Publish(target, "app-secrets"));

        Volume.IsTmpfsMount(target).Should().BeTrue();
        Volume.Files(target).Should().Equal("good1.txt", "good2.txt", "pinned/first.txt");
        Volume.Read(target, "good1.txt").Should().Be("e2e-gcp-second", "path: of versions/latest");
        Volume.Read(target, "good2.txt").Should().Be("e2e-gcp-second", "fileName: of versions/latest");
        Volume.Read(target, "pinned/first.txt").Should().Be("e2e-gcp-first");
        Volume.Mode(target, "pinned/first.txt").Should().Be(Mode("400"), "mode: 0400 in the fixture");
        Volume.Mode(target, "good1.txt").Should().Be(Mode("644"));

        Google.StsCalls.Should().Be(1);
        Google.LastStsBody!["subject_token"]!.GetValue<string>().Should().Be(_podToken, "the pod's own token for the pool audience is exchanged");
        Google.LastStsBody!["audience"]!.GetValue<string>().Should().Be(Google.ExpectedExchangeAudience);
        Google.IamCalls.Should().Be(1, "the annotation makes the driver impersonate the Google service account");
        Google.LastIamBearer.Should().StartWith("ya29.");
        Google.AccessCalls.Keys.Should().BeEquivalentTo([Latest, Pinned], "each distinct resource is read once per volume");
        _kube.Server.Requests.Should().Contain(r => r.Resource == "serviceaccounts" && r.Name == ServiceAccount && r.Namespace == Namespace && r.User == KubeTestContext.DriverUser);
        _driver.Logs.AllText.Should().Contain(Gsa, "the provider's own log lines are captured, so the leak check below sees them");
        AssertNothingLeaked();
    }

    [Fact]
    public async Task Publish_AppSecretsFixture_UnannotatedServiceAccount_ReadsAsFederatedIdentity()
    {
        PutTestSecret(reader: Federated);
        var target = _driver.TraversableTargetPath("pod-federated");

        await _driver.Client.PublishAsync(Publish(target, "app-secrets"));

        Volume.Read(target, "good1.txt").Should().Be("e2e-gcp-second");
        Volume.Read(target, "pinned/first.txt").Should().Be("e2e-gcp-first");
        Google.StsCalls.Should().Be(1);
        Google.IamCalls.Should().Be(0, "without iam.gke.io/gcp-service-account the federated token reads directly");
        AssertNothingLeaked();
    }

    [Fact]
    public async Task Publish_ExtractKeysFixture_WritesSingleJsonAndYamlKeys()
    {
        Google.AddVersion("projects/my-proj/secrets/db-json", """{"password":"e2e-db-pw","host":"db.internal"}""");
        Google.AddVersion("projects/my-proj/secrets/db-yaml", "user: e2e-db-user\nport: 5432\n");
        Google.Allow("projects/my-proj/secrets/db-json", Federated);
        Google.Allow("projects/my-proj/secrets/db-yaml", Federated);
        var target = _driver.TraversableTargetPath("pod-extract");

        await _driver.Client.PublishAsync(Publish(target, "extract-keys"));

        Volume.Files(target).Should().Equal("db/password", "db/user");
        Volume.Read(target, "db/password").Should().Be("e2e-db-pw");
        Volume.Read(target, "db/user").Should().Be("e2e-db-user");
        Volume.Mode(target, "db/password").Should().Be(Mode("644"));
        AssertNothingLeaked();
    }

    [Fact]
    public async Task Publish_RegionalAndParametersFixture_ReadsRegionalSecretAndRendersParameters()
    {
        Google.AddVersion("projects/my-proj/locations/europe-west4/secrets/eu-db", "e2e-eu-db");
        Google.Allow("projects/my-proj/locations/europe-west4/secrets/eu-db", Federated);
        Google.Parameters["projects/my-proj/locations/global/parameters/app-config/versions/v1"] = Encoding.UTF8.GetBytes("""{"dsn":"e2e-dsn-global"}""");
        Google.Parameters["projects/my-proj/locations/us-east1/parameters/app-config/versions/v1"] = Encoding.UTF8.GetBytes("""{"dsn":"e2e-dsn-us"}""");
        var target = _driver.TraversableTargetPath("pod-regional");
        var request = Publish(target, "regional-and-parameters");

        await _driver.Client.PublishAsync(request);

        Volume.Files(target).Should().Equal("app-config-dsn", "app-config.json", "eu-db.txt");
        Volume.Read(target, "eu-db.txt").Should().Be("e2e-eu-db");
        Volume.Read(target, "app-config.json").Should().Be("""{"dsn":"e2e-dsn-global"}""");
        Volume.Read(target, "app-config-dsn").Should().Be("e2e-dsn-us");
        Versions(request.VolumeId)["projects/my-proj/locations/europe-west4/secrets/eu-db/versions/latest"]
            .Should().Be("projects/123456789/locations/europe-west4/secrets/eu-db/versions/1");
        AssertNothingLeaked();
    }

    [Fact]
    public async Task Publish_NodePublishSecretFixture_KeyJsonWhenAllowed_ReadsAsTheKeysServiceAccount()
    {
        _gcp.Options.AllowNodePublishSecret = true; // ALLOW_NODE_PUBLISH_SECRET=true on this driver
        const string email = "reader@my-proj.iam.gserviceaccount.com";
        _key = RSA.Create(2048);
        Google.ServiceAccountKeys[email] = _key;
        Google.AddVersion(TestSecret, "e2e-by-key");
        Google.Allow(TestSecret, "key:" + email);
        var target = _driver.TraversableTargetPath("pod-keyjson");
        var request = Publish(target, "key-json", tokensJson: string.Empty);
        request.Secrets.Add("key.json", KeyJson(email, _key));

        await _driver.Client.PublishAsync(request);

        Volume.Read(target, "testsecret.txt").Should().Be("e2e-by-key");
        Google.TokenUriCalls.Should().Be(1);
        Google.StsCalls.Should().Be(0, "key.json replaces workload identity");
        AssertNothingLeaked();
    }

    [Fact]
    public async Task Publish_NodePublishSecretFixture_NotAllowedByDefault_PermissionDeniedNamingTheSwitch()
    {
        _key = RSA.Create(2048);
        var target = _driver.TraversableTargetPath("pod-keyjson-off");
        var request = Publish(target, "key-json");
        request.Secrets.Add("key.json", KeyJson("reader@my-proj.iam.gserviceaccount.com", _key));

        var ex = await FailsAsync(request);

        ex.StatusCode.Should().Be(StatusCode.PermissionDenied);
        ex.Status.Detail.Should().Contain("default/key-json").And.Contain("ALLOW_NODE_PUBLISH_SECRET=true");
        Google.TokenUriCalls.Should().Be(0);
        AssertNothingMounted(target);
    }

    [Fact]
    public async Task Republish_AppSecretsFixture_RotationAtSourceVisibleInStateRecordAndFiles()
    {
        PutTestSecret(reader: Federated);
        var target = _driver.TraversableTargetPath("pod-rotate");
        var request = Publish(target, "app-secrets");

        await _driver.Client.PublishAsync(request);
        var first = Versions(request.VolumeId);
        first.Should().BeEquivalentTo(new Dictionary<string, string>
        {
            [Latest] = "projects/123456789/secrets/testsecret/versions/2",
            [Pinned] = "projects/123456789/secrets/testsecret/versions/1",
        });

        Google.AddVersion(TestSecret, "e2e-gcp-rotated");
        await _driver.Client.PublishAsync(request); // kubelet's periodic republish / a rotation pass

        Volume.Read(target, "good1.txt").Should().Be("e2e-gcp-rotated");
        Volume.Read(target, "good2.txt").Should().Be("e2e-gcp-rotated");
        Volume.Read(target, "pinned/first.txt").Should().Be("e2e-gcp-first", "a pinned version does not rotate");
        var second = Versions(request.VolumeId);
        second[Latest].Should().Be("projects/123456789/secrets/testsecret/versions/3");
        second[Pinned].Should().Be(first[Pinned]);
        Volume.MountCount(target).Should().Be(1, "a republish rewrites the files in the existing mount");
        Google.StsCalls.Should().Be(1, "the federated access token is cached across publishes");
        AssertNothingLeaked();
    }

    [Fact]
    public async Task Republish_AccessRevokedAtSource_PermissionDeniedAndPublishedFilesKept()
    {
        PutTestSecret(reader: Federated);
        var target = _driver.TraversableTargetPath("pod-revoked");
        var request = Publish(target, "app-secrets");
        await _driver.Client.PublishAsync(request);

        Google.Readers[TestSecret] = [];
        var ex = await FailsAsync(request);

        ex.StatusCode.Should().Be(StatusCode.PermissionDenied);
        ex.Status.Detail.Should().Contain("default/app-secrets").And.Contain("secretmanager.versions.access");
        Volume.IsTmpfsMount(target).Should().BeTrue();
        Volume.Read(target, "good1.txt").Should().Be("e2e-gcp-second", "a failed republish leaves what the pod already reads");
        Versions(request.VolumeId)[Latest].Should().Be("projects/123456789/secrets/testsecret/versions/2");
    }

    [Fact]
    public async Task Publish_SecretMissing_NotFoundAndNothingMounted()
    {
        Google.Allow("projects/my-proj/secrets/nope", Federated);
        WriteClass("missing", "- resourceName: projects/my-proj/secrets/nope/versions/latest\n  path: nope.txt");
        var target = _driver.TraversableTargetPath("pod-missing");

        var ex = await FailsAsync(Publish(target, "missing"));

        ex.StatusCode.Should().Be(StatusCode.NotFound);
        ex.Status.Detail.Should().Contain("default/missing")
            .And.Contain("{projects/my-proj/secrets/nope/versions/latest  nope.txt}: rpc error: code = NotFound desc = Secret [projects/123456789/secrets/nope] not found or has no versions.");
        AssertNothingMounted(target);
    }

    [Fact]
    public async Task Publish_PinnedVersionMissing_NotFoundAndNothingMounted()
    {
        PutTestSecret(reader: Federated);
        WriteClass("missing-version", "- resourceName: projects/my-proj/secrets/testsecret/versions/9\n  path: v9");
        var target = _driver.TraversableTargetPath("pod-missing-version");

        var ex = await FailsAsync(Publish(target, "missing-version"));

        ex.StatusCode.Should().Be(StatusCode.NotFound);
        ex.Status.Detail.Should().Contain("default/missing-version").And.Contain("Secret Version [projects/123456789/secrets/testsecret/versions/9] not found.");
        AssertNothingMounted(target);
    }

    [Fact]
    public async Task Publish_OneOfTwoSecretsDenied_PermissionDeniedAndNothingMounted()
    {
        PutTestSecret(reader: Federated);
        Google.AddVersion("projects/my-proj/secrets/locked", "e2e-locked");
        WriteClass("denied", $"- resourceName: {Latest}\n  path: open\n- resourceName: projects/my-proj/secrets/locked/versions/1\n  path: locked");
        var target = _driver.TraversableTargetPath("pod-denied");

        var ex = await FailsAsync(Publish(target, "denied"));

        ex.StatusCode.Should().Be(StatusCode.PermissionDenied);
        ex.Status.Detail.Should().Contain("default/denied").And.Contain("failed to fetch 1 of 2 secret(s)")
            .And.Contain("{projects/my-proj/secrets/locked/versions/1  locked}: rpc error: code = PermissionDenied desc = Permission 'secretmanager.versions.access' denied");
        AssertNothingMounted(target);
    }

    [Fact]
    public async Task Publish_ImpersonationNotGranted_PermissionDeniedNamingTheServiceAccount()
    {
        PutServiceAccount(Gsa); // annotated, but the federated principal lacks roles/iam.workloadIdentityUser
        PutTestSecret(reader: "gsa:" + Gsa);
        var target = _driver.TraversableTargetPath("pod-no-impersonation");

        var ex = await FailsAsync(Publish(target, "app-secrets"));

        ex.StatusCode.Should().Be(StatusCode.PermissionDenied);
        ex.Status.Detail.Should().Contain("default/app-secrets").And.Contain($"unable to fetch gcp service account token for {Gsa}")
            .And.Contain("iam.serviceAccounts.getAccessToken");
        Google.AccessCalls.Should().BeEmpty();
        AssertNothingMounted(target);
    }

    [Fact]
    public async Task Publish_TokenForWrongPool_StsRejects_PermissionDeniedWithoutToken()
    {
        PutTestSecret(reader: Federated);
        var target = _driver.TraversableTargetPath("pod-wrong-aud");
        var foreign = FakeGcpServer.KubernetesToken("other-proj.svc.id.goog", Namespace, ServiceAccount);

        var ex = await FailsAsync(Publish(target, "app-secrets", tokensJson: TokensJson((Pool, foreign))), foreign);

        ex.StatusCode.Should().Be(StatusCode.PermissionDenied);
        ex.Status.Detail.Should().Contain("default/app-secrets").And.Contain("could not get idbindtoken token").And.Contain("invalid_grant");
        _driver.Logs.AllText.Should().NotContain(foreign);
        AssertNothingMounted(target);
    }

    [Fact]
    public async Task Publish_UnavailableBeyondRetries_UnavailableAfterMaxAttempts()
    {
        PutTestSecret(reader: Federated);
        WriteClass("busy", $"- resourceName: {Pinned}\n  path: busy");
        for (var i = 0; i < 10; i++)
        {
            Google.AccessFailures.Enqueue((503, "UNAVAILABLE"));
        }

        var target = _driver.TraversableTargetPath("pod-busy");

        var ex = await FailsAsync(Publish(target, "busy"));

        ex.StatusCode.Should().Be(StatusCode.Unavailable);
        ex.Status.Detail.Should().Contain("default/busy").And.Contain("code = Unavailable desc = The service is currently unavailable.");
        Google.AccessCalls[Pinned].Should().Be(3, "MaxAttempts is 3");
        AssertNothingMounted(target);
    }

    [Fact]
    public async Task Publish_UnavailableThenRecovers_PublishesWithinRetries()
    {
        PutTestSecret(reader: Federated);
        WriteClass("flaky", $"- resourceName: {Pinned}\n  path: flaky");
        Google.AccessFailures.Enqueue((503, "UNAVAILABLE"));
        var target = _driver.TraversableTargetPath("pod-flaky");

        await _driver.Client.PublishAsync(Publish(target, "flaky"));

        Volume.Read(target, "flaky").Should().Be("e2e-gcp-first");
        Google.AccessCalls[Pinned].Should().Be(2);
        AssertNothingLeaked();
    }

    [Fact]
    public async Task Publish_PayloadCrcMismatch_UnavailableNamingIntegrityAndNothingMounted()
    {
        PutTestSecret(reader: Federated);
        Google.CorruptCrc = true;
        var target = _driver.TraversableTargetPath("pod-crc");

        var ex = await FailsAsync(Publish(target, "app-secrets"));

        ex.StatusCode.Should().Be(StatusCode.Unavailable);
        ex.Status.Detail.Should().Contain("default/app-secrets").And.Contain("code = DataLoss desc = integrity check failed");
        AssertNothingMounted(target);
    }

    [Fact]
    public async Task Publish_PoolAudienceTokenMissing_InvalidArgumentNamingTheAudience()
    {
        PutTestSecret(reader: Federated);
        var target = _driver.TraversableTargetPath("pod-no-pool-token");
        var vaultToken = FakeGcpServer.KubernetesToken("vault", Namespace, ServiceAccount);

        var ex = await FailsAsync(Publish(target, "app-secrets", tokensJson: TokensJson(("vault", vaultToken))), vaultToken);

        ex.StatusCode.Should().Be(StatusCode.InvalidArgument);
        ex.Status.Detail.Should().Contain("default/app-secrets")
            .And.Contain($"kubelet passed no service account token for audience \"{Pool}\" (got: [vault])")
            .And.Contain($"- audience: {Pool}").And.Contain("tokenRequests");
        Google.StsCalls.Should().Be(0);
        AssertNothingMounted(target);
    }

    [Fact]
    public async Task Publish_NoServiceAccountTokensAtAll_InvalidArgumentNamingTheAudience()
    {
        var target = _driver.TraversableTargetPath("pod-no-tokens");

        var ex = await FailsAsync(Publish(target, "app-secrets", tokensJson: string.Empty));

        ex.StatusCode.Should().Be(StatusCode.InvalidArgument);
        ex.Status.Detail.Should().Contain("default/app-secrets").And.Contain($"audience \"{Pool}\"").And.Contain("(got: [])");
        AssertNothingMounted(target);
    }

    [Fact]
    public async Task Publish_ServiceAccountMissingInApi_FailsNamingTheServiceAccount()
    {
        PutTestSecret(reader: Federated);
        var target = _driver.TraversableTargetPath("pod-no-sa");

        var ex = await FailsAsync(Publish(target, "app-secrets", serviceAccount: "ghost"));

        ex.StatusCode.Should().Be(StatusCode.NotFound);
        ex.Status.Detail.Should().Contain("default/app-secrets").And.Contain("unable to fetch SA info").And.Contain("ServiceAccount default/ghost not found");
        Google.StsCalls.Should().Be(0);
        AssertNothingMounted(target);
    }

    [Fact]
    public async Task Publish_ServiceAccountAnnotationNotAnEmail_InvalidArgument()
    {
        PutServiceAccount("not an email");
        var target = _driver.TraversableTargetPath("pod-bad-annotation");

        var ex = await FailsAsync(Publish(target, "app-secrets"));

        ex.StatusCode.Should().Be(StatusCode.InvalidArgument);
        ex.Status.Detail.Should().Contain("annotation iam.gke.io/gcp-service-account on ServiceAccount default/app is not a service account email");
        AssertNothingMounted(target);
    }

    [Fact]
    public async Task Publish_ExtractedKeyMissing_InvalidArgumentWithoutTheSecret()
    {
        Google.AddVersion("projects/my-proj/secrets/db-json", """{"user":"e2e-db-user"}""");
        Google.AddVersion("projects/my-proj/secrets/db-yaml", "user: e2e-db-user\n");
        Google.Allow("projects/my-proj/secrets/db-json", Federated);
        Google.Allow("projects/my-proj/secrets/db-yaml", Federated);
        var target = _driver.TraversableTargetPath("pod-extract-missing");

        var ex = await FailsAsync(Publish(target, "extract-keys"));

        ex.StatusCode.Should().Be(StatusCode.InvalidArgument);
        ex.Status.Detail.Should().Contain("default/extract-keys").And.Contain("{projects/my-proj/secrets/db-json/versions/latest  db/password}: key 'password' not found in JSON");
        AssertNothingMounted(target);
    }

    [Theory]
    [InlineData(null, "", "spec.parameters is not set")]
    [InlineData(null, "auth: pod-adc", "missing required 'secrets' attribute")]
    [InlineData("- resourceName: [unclosed", "", "failed to unmarshal secrets attribute")]
    [InlineData("- resourceName: projects/my-proj/secrets/s/versions/1", "", "{projects/my-proj/secrets/s/versions/1  }: neither 'path' nor 'fileName' is set")]
    [InlineData("- resourceName: projects/my-proj/secrets/s/versions/1\n  path: a\n  mode: 0999", "", "mode '0999' is not a file mode")]
    [InlineData("- resourceName: projects/my-proj/secrets/s/versions/1\n  path: a\n  extractJSONKey: k\n  extractYAMLKey: k", "", "both ExtractJSONKey and ExtractYAMLKey can't be simultaneously non empty strings")]
    [InlineData("- resourceName: projects/my-proj/secrets/s\n  path: a", "", "unknown resource type")]
    [InlineData("- resourceName: projects/../secrets/s/versions/1\n  path: a", "", "Invalid secret resource name")]
    [InlineData("- resourceName: projects/p/locations/evil.com#/secrets/s/versions/1\n  path: a", "", "Invalid location")]
    [InlineData("- resourceName: projects/my-proj/secrets/s/versions/1\n  path: a", "auth: magic", "unknown auth configuration: \"magic\"")]
    public async Task Publish_BadParameters_InvalidArgumentAndNothingMounted(string? secrets, string extra, string expected)
    {
        WriteClass("bad", secrets, extra);
        var target = _driver.TraversableTargetPath("pod-bad");

        var ex = await FailsAsync(Publish(target, "bad"));

        ex.StatusCode.Should().Be(StatusCode.InvalidArgument);
        ex.Status.Detail.Should().Contain("default/bad").And.Contain(expected);
        Google.StsCalls.Should().Be(0, "parameters are checked before any token exchange");
        Google.AccessCalls.Should().BeEmpty();
        AssertNothingMounted(target);
    }

    [Fact]
    public async Task Publish_ProviderAdcNotAllowed_PermissionDeniedNamingTheSwitch()
    {
        WriteClass("provider-adc", $"- resourceName: {Pinned}\n  path: a", "auth: provider-adc");
        var target = _driver.TraversableTargetPath("pod-provider-adc");

        var ex = await FailsAsync(Publish(target, "provider-adc"));

        ex.StatusCode.Should().Be(StatusCode.PermissionDenied);
        ex.Status.Detail.Should().Contain("default/provider-adc").And.Contain("GCP_ALLOW_PROVIDER_ADC=true");
        Google.MetadataCalls.Should().Be(0);
        AssertNothingMounted(target);
    }

    /// <summary>Versions 1 and 2 of testsecret, readable by <paramref name="reader"/>.</summary>
    private void PutTestSecret(string reader)
    {
        Google.AddVersion(TestSecret, "e2e-gcp-first");
        Google.AddVersion(TestSecret, "e2e-gcp-second");
        Google.Allow(TestSecret, reader);
    }

    private void PutServiceAccount(string? gsa)
    {
        var metadata = new JsonObject { ["name"] = ServiceAccount };
        if (gsa is not null)
        {
            metadata["annotations"] = new JsonObject { [GcpCredentialResolver.ServiceAccountAnnotation] = gsa };
        }

        _kube.Server.Put(string.Empty, "serviceaccounts", Namespace, new JsonObject { ["apiVersion"] = "v1", ["kind"] = "ServiceAccount", ["metadata"] = metadata });
    }

    /// <summary>A gcp class in namespace default; <paramref name="secrets"/> null leaves the parameter out.</summary>
    private void WriteClass(string name, string? secrets, string extra = "")
    {
        var lines = new List<string>
        {
            "apiVersion: secrets-store.csi.x-k8s.io/v1",
            "kind: SecretProviderClass",
            "metadata:",
            $"  name: {name}",
            $"  namespace: {Namespace}",
            "spec:",
            "  provider: gcp",
            "  parameters:",
        };
        if (extra.Length > 0)
        {
            lines.Add("    " + extra);
        }

        if (secrets is not null)
        {
            lines.Add("    secrets: |");
            lines.AddRange(secrets.Split('\n').Select(l => "      " + l));
        }

        File.WriteAllText(Path.Combine(_driver.SpcDir, $"{Namespace}-{name}.yaml"), string.Join('\n', lines) + "\n");
    }

    private NodePublishVolumeRequest Publish(string target, string className, string? tokensJson = null, string serviceAccount = ServiceAccount)
    {
        tokensJson ??= TokensJson((Pool, _podToken));
        var context = tokensJson.Length == 0 ? null : new Dictionary<string, string> { ["csi.storage.k8s.io/serviceAccount.tokens"] = tokensJson };
        var podUid = PodUid(target);
        var request = CsiClient.PublishRequest(target, className, volumeId: "vol-" + podUid, podNamespace: Namespace, extraContext: context);
        request.VolumeContext["csi.storage.k8s.io/serviceAccount.name"] = serviceAccount;
        request.VolumeContext["csi.storage.k8s.io/pod.uid"] = podUid;
        return request;
    }

    private async Task<RpcException> FailsAsync(NodePublishVolumeRequest request, params string[] moreForbidden)
    {
        var ex = await CsiClient.FailsAsync(() => _driver.Client.PublishAsync(request));
        foreach (var forbidden in Forbidden().Concat(moreForbidden))
        {
            ex.Status.Detail.Should().NotContain(forbidden);
        }

        ex.Status.Detail.Should().NotContain("ya29.", "no access token may reach an error");
        AssertNothingLeaked(moreForbidden);
        return ex;
    }

    private void AssertNothingLeaked(params string[] moreForbidden)
    {
        var logs = _driver.Logs.AllText;
        var state = string.Join('\n', Directory.GetFiles(_driver.StateDir).Select(File.ReadAllText));
        foreach (var forbidden in Forbidden().Concat(moreForbidden))
        {
            logs.Should().NotContain(forbidden, "the driver's logs never hold a secret value, key or token");
            state.Should().NotContain(forbidden, "the state record holds versions, never values or tokens");
        }

        // Access tokens the fake issued (STS, IAM, token URI) are secrets too.
        logs.Should().NotContain("ya29.");
        state.Should().NotContain("ya29.");
    }

    /// <summary>Secret values, the pod token (and its signature part) and any private key in use.</summary>
    private IEnumerable<string> Forbidden()
    {
        foreach (var value in Values)
        {
            yield return value;
        }

        yield return _podToken;
        yield return _podToken.Split('.')[2];
        if (_key is not null)
        {
            var pem = _key.ExportPkcs8PrivateKeyPem();
            yield return pem[40..100];
        }
    }

    private void AssertNothingMounted(string target)
    {
        Directory.Exists(target).Should().BeFalse("a failed first publish leaves no target behind");
        Volume.MountCount(target).Should().Be(0);
        ReadRecord(PodUid(target)).Should().BeNull("a failed first publish records nothing");
    }

    /// <summary>The object versions in the persisted state record, by object id (the resourceName as written).</summary>
    private Dictionary<string, string> Versions(string volumeId) =>
        (ReadRecord(volumeId.Replace("vol-", string.Empty, StringComparison.Ordinal)) ?? throw new Xunit.Sdk.XunitException($"no state record for {volumeId}"))
            .ObjectVersions.ToDictionary(v => v.Id, v => v.Version);

    private VolumeRecord? ReadRecord(string podUid) =>
        Directory.GetFiles(_driver.StateDir)
            .Where(f => !f.EndsWith(".tmp", StringComparison.Ordinal))
            .Select(f => JsonSerializer.Deserialize(File.ReadAllBytes(f), StateJsonContext.Default.VolumeRecord))
            .SingleOrDefault(r => r!.VolumeId == "vol-" + podUid);

    private static string PodUid(string target) => Path.GetFileName(Path.GetFullPath(Path.Combine(target, "..", "..", "..", "..")));

    private static string TokensJson(params (string Audience, string Token)[] tokens)
    {
        var json = new JsonObject();
        foreach (var (audience, token) in tokens)
        {
            json[audience] = new JsonObject { ["token"] = token, ["expirationTimestamp"] = "2099-01-01T00:00:00Z" };
        }

        return json.ToJsonString();
    }

    private static string KeyJson(string email, RSA rsa) =>
        JsonSerializer.Serialize(new Dictionary<string, string>
        {
            ["type"] = "service_account",
            ["project_id"] = "my-proj",
            ["private_key_id"] = "e2e-key-1",
            ["private_key"] = rsa.ExportPkcs8PrivateKeyPem(),
            ["client_email"] = email,
            ["token_uri"] = "https://oauth2.googleapis.com/token",
        });

    private static UnixFileMode Mode(string octal) => (UnixFileMode)Convert.ToInt32(octal, 8);

    private static string FixturesDirectory() => Path.Combine(AppContext.BaseDirectory, "Providers", "Gcp", "Fixtures");
}
