using System.Text.Json;
using System.Text.Json.Nodes;
using Grpc.Core;
using CsiDriver.Protos.Csi.V1;
using CsiDriver.Providers.Aws;
using CsiDriver.State;
using CsiDriver.Tests.Infrastructure;
using CsiDriver.Tests.Kubernetes;
using Microsoft.Extensions.DependencyInjection;

namespace CsiDriver.Tests.Providers.Aws;

/// <summary>
/// Through the CSI socket of the real driver, with the upstream-format manifests in Fixtures/ (the same
/// files as deploy/examples/aws/) against the loopback AWS. IRSA reads the pod's ServiceAccount from the
/// loopback Kubernetes API (--kubeconfig); classes still come from --spc-dir.
/// </summary>
public sealed class AwsEndToEndTests : IAsyncLifetime
{
    private const string Namespace = "app";
    private const string ServiceAccount = "app-sa"; // what CsiClient.PublishRequest sends
    private const string AccessKeyId = "AKIAE2ESTATICKEY0001";
    private const string SecretAccessKey = "e2e-Static/Secret+AccessKey-never-logged";
    private const string StsToken = AwsTestContext.StsToken;
    private const string PodIdentityToken = AwsTestContext.PodIdentityToken;

    /// <summary>Every secret value the fake AWS holds; none may reach a log line, an error or the state record.</summary>
    private static readonly string[] Values =
        ["e2e-admin-user", "e2e-hunter2", "e2e-second-value", "e2e-third-value", "e2e-param-v1", "e2e-param-v2", "e2e-rotated-pw", "e2e-primary", "e2e-replica", "e2e-locked"];

    private FakeAwsServer _aws = null!;
    private KubeTestContext _kube = null!;
    private DriverFixture _driver = null!;

    public async Task InitializeAsync()
    {
        _aws = await FakeAwsServer.StartAsync();
        _aws.AddKey(AccessKeyId, SecretAccessKey, "static:" + AccessKeyId);
        _aws.Roles[AwsTestContext.RoleArn] = StsToken;
        _aws.PodIdentityToken = PodIdentityToken;
        _kube = await KubeTestContext.StartAsync();
        _kube.Server.Put(string.Empty, "serviceaccounts", Namespace, ServiceAccountObject(ServiceAccount, AwsTestContext.RoleArn));
        var options = new AwsProviderOptions
        {
            EndpointUrl = _aws.Url,
            ImdsEndpoint = _aws.Url,
            PodIdentityEndpoint = new Uri(_aws.Url, "/v1/credentials"),
            Retry = new AwsProviderOptions().Retry with { BaseDelay = TimeSpan.FromMilliseconds(1), MaxDelay = TimeSpan.FromMilliseconds(5), MaxAttempts = 3 },
        };
        _driver = await DriverFixture.StartAsync(o => o.Kubeconfig = _kube.KubeconfigPath, services: s => s.AddSingleton(options));
        foreach (var fixture in Directory.GetFiles(FixturesDirectory(), "*.yaml"))
        {
            File.Copy(fixture, Path.Combine(_driver.SpcDir, Path.GetFileName(fixture)));
        }
    }

    public async Task DisposeAsync()
    {
        await _driver.DisposeAsync();
        await _kube.DisposeAsync();
        await _aws.DisposeAsync();
    }

    [Fact]
    public void Fixtures_AreTheShippedExamples()
    {
        var examples = Path.Combine(RepositoryRoot(), "deploy", "examples", "aws");
        foreach (var fixture in Directory.GetFiles(FixturesDirectory(), "*.yaml"))
        {
            File.ReadAllText(Path.Combine(examples, Path.GetFileName(fixture))).Should().Be(File.ReadAllText(fixture), $"deploy/examples/aws/{Path.GetFileName(fixture)} is the tested fixture");
        }
    }

    [Fact]
    public async Task Publish_IrsaFixture_WritesTranslatedAndJmesFilesOnTmpfsAsTheAnnotatedRole()
    {
        PutIrsaFixtureObjects();
        var target = _driver.TraversableTargetPath("pod-irsa");

        await _driver.Client.PublishAsync(Publish(target, "nginx-deployment-aws-secrets"));

        Volume.IsTmpfsMount(target).Should().BeTrue();
        Volume.Files(target).Should().Equal("MySecret", "MySecret3", "_app_MyParameter", "dbpassword", "dbusername", "secret2");
        Volume.Read(target, "MySecret").Should().Be("""{"username": "e2e-admin-user", "password": "e2e-hunter2"}""");
        Volume.Read(target, "dbusername").Should().Be("e2e-admin-user");
        Volume.Read(target, "dbpassword").Should().Be("e2e-hunter2");
        Volume.Read(target, "secret2").Should().Be("e2e-second-value");
        Volume.Read(target, "_app_MyParameter").Should().Be("e2e-param-v1");
        Volume.Read(target, "MySecret3").Should().Be("e2e-third-value");
        Volume.Mode(target, "secret2").Should().Be(Mode("600"));
        Volume.Mode(target, "dbpassword").Should().Be(Mode("644"));
        Volume.Mode(target, "_app_MyParameter").Should().Be(Mode("644"));

        _aws.Calls("STS.AssumeRoleWithWebIdentity").Should().Be(1);
        _aws.Calls("PodIdentity.GetCredentials").Should().Be(0);
        _kube.Server.Requests.Should().Contain(r => r.Resource == "serviceaccounts" && r.Name == ServiceAccount && r.User == KubeTestContext.DriverUser);
        _driver.Logs.AllText.Should().Contain(AwsTestContext.RoleArn, "the provider's own log lines are captured, so the leak check below sees them");
        AssertNothingLeaked();
    }

    [Fact]
    public async Task Publish_IrsaFixture_RotationAtSourceVisibleInStateRecordAndFiles()
    {
        PutIrsaFixtureObjects();
        var target = _driver.TraversableTargetPath("pod-rotate");
        var request = Publish(target, "nginx-deployment-aws-secrets");

        await _driver.Client.PublishAsync(request);
        var first = Versions(request.VolumeId);
        first["MySecret"].Should().Be("v-mysecret-1");
        first["dbpassword"].Should().Be("v-mysecret-1");
        first["_app_MyParameter"].Should().Be("1");

        _aws.PutSecret("us-east-1", "MySecret", text: """{"username": "e2e-admin-user", "password": "e2e-rotated-pw"}""", versionId: "v-mysecret-2");
        _aws.PutParameter("us-east-1", "/app/MyParameter", "e2e-param-v2");
        await _driver.Client.PublishAsync(request); // kubelet's periodic republish / a rotation pass

        Volume.Read(target, "dbpassword").Should().Be("e2e-rotated-pw");
        Volume.Read(target, "dbusername").Should().Be("e2e-admin-user");
        Volume.Read(target, "_app_MyParameter").Should().Be("e2e-param-v2");
        Volume.Read(target, "secret2").Should().Be("e2e-second-value");
        var second = Versions(request.VolumeId);
        second["MySecret"].Should().Be("v-mysecret-2");
        second["dbpassword"].Should().Be("v-mysecret-2");
        second["dbusername"].Should().Be("v-mysecret-2");
        second["_app_MyParameter"].Should().Be("2");
        second["secret2"].Should().Be(first["secret2"], "an object unchanged at the source keeps its version");
        Volume.MountCount(target).Should().Be(1, "a republish rewrites the files in the existing mount");
        _aws.Calls("STS.AssumeRoleWithWebIdentity").Should().Be(1, "the assumed-role credentials are cached across publishes");
        AssertNothingLeaked();
    }

    [Fact]
    public async Task Publish_PodIdentityFixture_PinnedParameterVersionAndUntranslatedAlias()
    {
        _aws.PutSecret("us-east-1", "MySecret", text: "e2e-hunter2", versionId: "v-pi-1");
        _aws.PutParameter("us-east-1", "/app/MyParameter", "e2e-param-v1");
        _aws.PutParameter("us-east-1", "/app/MyParameter", "e2e-param-v2");
        var target = _driver.TraversableTargetPath("pod-pi");
        var request = Publish(target, "aws-pod-identity");

        await _driver.Client.PublishAsync(request);

        Volume.Files(target).Should().Equal("MySecret", "config/param-v1");
        Volume.Read(target, "config/param-v1").Should().Be("e2e-param-v1", "objectVersion 1 pins the parameter");
        Volume.Read(target, "MySecret").Should().Be("e2e-hunter2");
        Versions(request.VolumeId).Should().BeEquivalentTo(new Dictionary<string, string> { ["MySecret"] = "v-pi-1", ["config/param-v1"] = "1" });
        _aws.Calls("PodIdentity.GetCredentials").Should().Be(1);
        _aws.Calls("STS.AssumeRoleWithWebIdentity").Should().Be(0);
        AssertNothingLeaked();
    }

    [Fact]
    public async Task Publish_FailoverFixture_StaticKeys_ReadsReplicaWhenPrimaryRegionDown()
    {
        _aws.PutSecret("us-east-1", "MySecret", text: "e2e-primary", versionId: "v-east");
        _aws.PutSecret("us-west-2", "MySecretReplica", text: "e2e-replica", versionId: "v-west");
        var target = _driver.TraversableTargetPath("pod-failover");
        var request = Publish(target, "aws-failover", staticKeys: true);

        await _driver.Client.PublishAsync(request);
        Volume.Read(target, "MySecret").Should().Be("e2e-primary");

        _aws.RegionsDown["us-east-1"] = true;
        await _driver.Client.PublishAsync(request);

        Volume.Read(target, "MySecret").Should().Be("e2e-replica");
        Versions(request.VolumeId)["MySecret"].Should().Be("v-west");
        _aws.Calls("STS.AssumeRoleWithWebIdentity").Should().Be(0, "nodePublishSecretRef keys are used as they are");
        AssertNothingLeaked();
    }

    [Fact]
    public async Task Publish_SecretMissing_NotFoundAndNothingMounted()
    {
        WriteClass("missing", "- {objectName: NoSuchSecret, objectType: secretsmanager}");
        var target = _driver.TraversableTargetPath("pod-missing");

        var ex = await FailsAsync(Publish(target, "missing", staticKeys: true));

        ex.StatusCode.Should().Be(StatusCode.NotFound);
        ex.Status.Detail.Should().Contain("app/missing").And.Contain("Failed fetching secret NoSuchSecret")
            .And.Contain("ResourceNotFoundException: Secrets Manager can't find the specified secret.");
        AssertNothingMounted(target);
    }

    [Fact]
    public async Task Publish_ParameterMissing_NotFoundAndNothingMounted()
    {
        WriteClass("missing-param", "- {objectName: /app/nope, objectType: ssmparameter}");
        var target = _driver.TraversableTargetPath("pod-missing-param");

        var ex = await FailsAsync(Publish(target, "missing-param", staticKeys: true));

        ex.StatusCode.Should().Be(StatusCode.NotFound);
        ex.Status.Detail.Should().Contain("app/missing-param").And.Contain("/app/nope");
        AssertNothingMounted(target);
    }

    [Fact]
    public async Task Republish_AccessRevokedAtSource_PermissionDeniedAndPublishedFilesKept()
    {
        _aws.PutSecret("us-east-1", "kept", text: "e2e-third-value", versionId: "v-kept");
        WriteClass("revoked", "- {objectName: kept, objectType: secretsmanager}");
        var target = _driver.TraversableTargetPath("pod-revoked");
        var request = Publish(target, "revoked", staticKeys: true);
        await _driver.Client.PublishAsync(request);

        // An unchanged version is served from the driver's last-value cache after DescribeSecret (as upstream
        // skips GetSecretValue), so the revocation is seen once the secret rotates.
        _aws.GetDenied[("static:" + AccessKeyId, "kept")] = true;
        _aws.PutSecret("us-east-1", "kept", text: "e2e-rotated-pw", versionId: "v-kept-2");
        var ex = await FailsAsync(request);

        ex.StatusCode.Should().Be(StatusCode.PermissionDenied);
        ex.Status.Detail.Should().Contain("app/revoked").And.Contain("kept").And.Contain("AccessDeniedException");
        Volume.IsTmpfsMount(target).Should().BeTrue();
        Volume.Read(target, "kept").Should().Be("e2e-third-value", "a failed republish leaves what the pod already reads");
        Versions(request.VolumeId)["kept"].Should().Be("v-kept");
    }

    [Fact]
    public async Task Publish_AccessDenied_PermissionDeniedWithoutValuesOrKeys()
    {
        _aws.PutSecret("us-east-1", "open", text: "e2e-third-value");
        _aws.PutSecret("us-east-1", "locked", text: "e2e-locked");
        _aws.GetDenied[("static:" + AccessKeyId, "locked")] = true;
        WriteClass("denied", "- {objectName: open, objectType: secretsmanager}\n- {objectName: locked, objectType: secretsmanager}");
        var target = _driver.TraversableTargetPath("pod-denied");

        var ex = await FailsAsync(Publish(target, "denied", staticKeys: true));

        ex.StatusCode.Should().Be(StatusCode.PermissionDenied);
        ex.Status.Detail.Should().Contain("app/denied").And.Contain("locked").And.Contain("AccessDeniedException");
        AssertNothingMounted(target);
    }

    [Fact]
    public async Task Publish_StsRejectsPodToken_PermissionDeniedWithoutToken()
    {
        _aws.Roles[AwsTestContext.RoleArn] = "some-other-token";
        _aws.PutSecret("us-east-1", "MySecret", text: "e2e-hunter2");
        var target = _driver.TraversableTargetPath("pod-sts-denied");

        var ex = await FailsAsync(Publish(target, "irsa-one", irsaClass: true));

        ex.StatusCode.Should().Be(StatusCode.PermissionDenied);
        ex.Status.Detail.Should().Contain("app/irsa-one").And.Contain("InvalidIdentityToken");
        AssertNothingMounted(target);
    }

    [Fact]
    public async Task Publish_ThrottledBeyondRetries_UnavailableAfterMaxAttempts()
    {
        _aws.PutSecret("us-east-1", "busy", text: "e2e-third-value");
        _aws.ThrottleNext(1000);
        WriteClass("throttled", "- {objectName: busy, objectType: secretsmanager}");
        var target = _driver.TraversableTargetPath("pod-throttled");

        var ex = await FailsAsync(Publish(target, "throttled", staticKeys: true));

        ex.StatusCode.Should().Be(StatusCode.Unavailable);
        ex.Status.Detail.Should().Contain("app/throttled").And.Contain("busy").And.Contain("ThrottlingException");
        _aws.Calls("secretsmanager.GetSecretValue").Should().Be(3, "MaxAttempts is 3");
        AssertNothingMounted(target);
    }

    [Fact]
    public async Task Publish_IrsaWithoutStsAudienceToken_InvalidArgumentNamingTheAudience()
    {
        var target = _driver.TraversableTargetPath("pod-no-sts");
        var tokens = TokensJson(("pods.eks.amazonaws.com", PodIdentityToken));

        var ex = await FailsAsync(Publish(target, "nginx-deployment-aws-secrets", tokensJson: tokens));

        ex.StatusCode.Should().Be(StatusCode.InvalidArgument);
        ex.Status.Detail.Should().Contain("app/nginx-deployment-aws-secrets")
            .And.Contain("IRSA token extraction failed: token for audience \"sts.amazonaws.com\" not found")
            .And.Contain("tokenRequests");
        _aws.Calls("STS.AssumeRoleWithWebIdentity").Should().Be(0);
        AssertNothingMounted(target);
    }

    [Fact]
    public async Task Publish_NoServiceAccountTokensAtAll_InvalidArgumentAboutTokenRequests()
    {
        var target = _driver.TraversableTargetPath("pod-no-tokens");

        var ex = await FailsAsync(Publish(target, "nginx-deployment-aws-secrets", tokensJson: string.Empty));

        ex.StatusCode.Should().Be(StatusCode.InvalidArgument);
        ex.Status.Detail.Should().Contain("app/nginx-deployment-aws-secrets").And.Contain("serviceAccount.tokens not provided");
        AssertNothingMounted(target);
    }

    [Fact]
    public async Task Publish_ServiceAccountWithoutRoleAnnotation_InvalidArgument()
    {
        _kube.Server.Put(string.Empty, "serviceaccounts", Namespace, ServiceAccountObject(ServiceAccount, roleArn: null));
        var target = _driver.TraversableTargetPath("pod-no-role");

        var ex = await FailsAsync(Publish(target, "nginx-deployment-aws-secrets"));

        ex.StatusCode.Should().Be(StatusCode.InvalidArgument);
        ex.Status.Detail.Should().Contain("An IAM role must be associated with service account app-sa (namespace: app)");
        AssertNothingMounted(target);
    }

    [Fact]
    public async Task Publish_PodIdentityTokenMissing_InvalidArgumentNamingTheAudience()
    {
        var target = _driver.TraversableTargetPath("pod-no-pi");

        var ex = await FailsAsync(Publish(target, "aws-pod-identity", tokensJson: TokensJson(("sts.amazonaws.com", StsToken))));

        ex.StatusCode.Should().Be(StatusCode.InvalidArgument);
        ex.Status.Detail.Should().Contain("app/aws-pod-identity").And.Contain("token for audience \"pods.eks.amazonaws.com\" not found");
        AssertNothingMounted(target);
    }

    [Theory]
    [InlineData("usePodIdentity: \"yes\"", "- {objectName: a, objectType: secretsmanager}", "failed to parse usePodIdentity value, error: strconv.ParseBool: parsing \"yes\": invalid syntax")]
    [InlineData("pathTranslation: \"__\"", "- {objectName: a, objectType: secretsmanager}", "pathTranslation must be either 'False' or a single character string")]
    [InlineData("failoverRegion: us-east-1", "- {objectName: a, objectType: secretsmanager}", "failover region cannot be the same as the primary region")]
    [InlineData("", "- {objectName: a, objectType: vault}", "Invalid objectType: vault")]
    [InlineData("", "- {objectName: a, objectType: secretsmanager, filePermission: \"999\"}", "Invalid file permission 999 for object a")]
    [InlineData("", "- objectName: [unclosed", "objects is not valid YAML")]
    [InlineData("", "[]", "parameter 'objects' lists no objects")]
    public async Task Publish_BadParameters_InvalidArgumentAndNothingMounted(string extra, string objects, string expected)
    {
        WriteClass("bad", objects, extra);
        var target = _driver.TraversableTargetPath("pod-bad");

        var ex = await FailsAsync(Publish(target, "bad", staticKeys: true));

        ex.StatusCode.Should().Be(StatusCode.InvalidArgument);
        ex.Status.Detail.Should().Contain("app/bad").And.Contain(expected);
        _aws.TotalCalls("secretsmanager.GetSecretValue", "secretsmanager.BatchGetSecretValue").Should().Be(0);
        AssertNothingMounted(target);
    }

    [Fact]
    public async Task Publish_StaticKeyRejected_PermissionDeniedWithoutTheKey()
    {
        _aws.PutSecret("us-east-1", "one", text: "e2e-third-value");
        WriteClass("badkey", "- {objectName: one, objectType: secretsmanager}");
        var target = _driver.TraversableTargetPath("pod-badkey");
        var request = Publish(target, "badkey", staticKeys: true);
        request.Secrets["awsSecretAccessKey"] = "e2e-wrong-secret-access-key";

        var ex = await FailsAsync(request);

        ex.StatusCode.Should().Be(StatusCode.PermissionDenied);
        ex.Status.Detail.Should().Contain("InvalidSignatureException").And.NotContain("e2e-wrong-secret-access-key");
        _driver.Logs.AllText.Should().NotContain("e2e-wrong-secret-access-key");
        AssertNothingMounted(target);
    }

    private void PutIrsaFixtureObjects()
    {
        _aws.PutSecret("us-east-1", "MySecret", text: """{"username": "e2e-admin-user", "password": "e2e-hunter2"}""", versionId: "v-mysecret-1");
        _aws.PutSecret("us-east-1", "MySecret2", text: "e2e-second-value", versionId: "v-mysecret2-1");
        _aws.PutSecret("us-east-1", "MySecret3", text: "e2e-third-value", versionId: "v-mysecret3-1");
        _aws.PutParameter("us-east-1", "/app/MyParameter", "e2e-param-v1");
    }

    /// <summary>A class in namespace app with static keys or IRSA; <paramref name="extra"/> is one more parameter line.</summary>
    private void WriteClass(string name, string objects, string extra = "")
    {
        var parameters = "    region: us-east-1" + (extra.Length > 0 ? "\n    " + extra : string.Empty);
        _driver.WriteClass(name, "aws", objects, Namespace, parameters);
    }

    private NodePublishVolumeRequest Publish(string target, string className, bool staticKeys = false, string? tokensJson = null, bool irsaClass = false)
    {
        if (irsaClass)
        {
            WriteClass(className, "- {objectName: MySecret, objectType: secretsmanager}");
        }

        tokensJson ??= TokensJson(("sts.amazonaws.com", StsToken), ("pods.eks.amazonaws.com", PodIdentityToken));
        var context = tokensJson.Length == 0 ? null : new Dictionary<string, string> { ["csi.storage.k8s.io/serviceAccount.tokens"] = tokensJson };
        var podUid = Path.GetFileName(Path.GetFullPath(Path.Combine(target, "..", "..", "..", "..")));
        var request = CsiClient.PublishRequest(target, className, volumeId: "vol-" + podUid, podNamespace: Namespace, extraContext: context);
        if (staticKeys)
        {
            request.Secrets.Add("awsAccessKeyId", AccessKeyId);
            request.Secrets.Add("awsSecretAccessKey", SecretAccessKey);
        }

        return request;
    }

    private async Task<RpcException> FailsAsync(NodePublishVolumeRequest request)
    {
        var ex = await CsiClient.FailsAsync(() => _driver.Client.PublishAsync(request));
        foreach (var forbidden in Values.Concat([SecretAccessKey, StsToken, PodIdentityToken]))
        {
            ex.Status.Detail.Should().NotContain(forbidden);
        }

        AssertNothingLeaked();
        return ex;
    }

    private void AssertNothingLeaked()
    {
        var logs = _driver.Logs.AllText;
        var state = string.Join('\n', Directory.GetFiles(_driver.StateDir).Select(File.ReadAllText));
        foreach (var forbidden in Values.Concat([SecretAccessKey, StsToken, PodIdentityToken]))
        {
            logs.Should().NotContain(forbidden, "the driver's logs never hold a secret value, key or token");
            state.Should().NotContain(forbidden, "the state record holds versions, never values or tokens");
        }

        // Temporary credentials the fake issued (STS / Pod Identity) are secrets too: no signing secret in logs.
        logs.Should().NotContain("SecretAccessKey").And.NotContain("X-Amz-Security-Token");
    }

    private void AssertNothingMounted(string target)
    {
        Directory.Exists(target).Should().BeFalse("a failed first publish leaves no target behind");
        Volume.MountCount(target).Should().Be(0);
        ReadRecord(Path.GetFileName(Path.GetFullPath(Path.Combine(target, "..", "..", "..", "..")))).Should().BeNull("a failed first publish records nothing");
    }

    /// <summary>The object versions in the persisted state record, by file path.</summary>
    private Dictionary<string, string> Versions(string volumeId) =>
        (ReadRecord(volumeId.Replace("vol-", string.Empty, StringComparison.Ordinal)) ?? throw new Xunit.Sdk.XunitException($"no state record for {volumeId}"))
            .ObjectVersions.ToDictionary(v => v.Id, v => v.Version);

    private VolumeRecord? ReadRecord(string podUid) =>
        Directory.GetFiles(_driver.StateDir)
            .Where(f => !f.EndsWith(".tmp", StringComparison.Ordinal))
            .Select(f => JsonSerializer.Deserialize(File.ReadAllBytes(f), StateJsonContext.Default.VolumeRecord))
            .SingleOrDefault(r => r!.VolumeId == "vol-" + podUid);

    private static string TokensJson(params (string Audience, string Token)[] tokens)
    {
        var json = new JsonObject();
        foreach (var (audience, token) in tokens)
        {
            json[audience] = new JsonObject { ["token"] = token, ["expirationTimestamp"] = "2030-01-01T00:00:00Z" };
        }

        return json.ToJsonString();
    }

    private static JsonObject ServiceAccountObject(string name, string? roleArn)
    {
        var metadata = new JsonObject { ["name"] = name };
        if (roleArn is not null)
        {
            metadata["annotations"] = new JsonObject { [AwsCredentialResolver.RoleArnAnnotation] = roleArn };
        }

        return new JsonObject { ["apiVersion"] = "v1", ["kind"] = "ServiceAccount", ["metadata"] = metadata };
    }

    private static UnixFileMode Mode(string octal) => (UnixFileMode)Convert.ToInt32(octal, 8);

    private static string FixturesDirectory() => Path.Combine(RepositoryRoot(), "tests", "CsiDriver.Tests", "Providers", "Aws", "Fixtures");

    private static string RepositoryRoot()
    {
        var directory = new DirectoryInfo(AppContext.BaseDirectory);
        while (directory is not null && !File.Exists(Path.Combine(directory.FullName, "CsiDriver.sln")))
        {
            directory = directory.Parent;
        }

        return directory?.FullName ?? throw new InvalidOperationException("repository root (CsiDriver.sln) not found above the test binaries");
    }
}
