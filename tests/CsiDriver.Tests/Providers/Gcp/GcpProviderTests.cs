using System.Text;
using CsiDriver.Providers;
using CsiDriver.Publishing;

namespace CsiDriver.Tests.Providers.Gcp;

public sealed class GcpProviderTests
{
    private const string Db = "projects/my-proj/secrets/db";
    private const string Fed = "fed:default/app";

    [Fact]
    public async Task Fetch_PodIdentityWithoutAnnotation_UsesFederatedTokenAndReportsResolvedVersion()
    {
        await using var bed = await GcpTestBed.StartAsync();
        bed.Server.AddVersion(Db, "s3cr3t-value");
        bed.Server.Allow(Db, Fed);

        var result = await bed.Provider().FetchAsync(GcpTestBed.Request($"- resourceName: {Db}/versions/latest\n  path: db.txt"), CancellationToken.None);

        result.Files.Should().ContainSingle();
        result.Files[0].Path.Should().Be("db.txt");
        Encoding.UTF8.GetString(result.Files[0].Contents.Span).Should().Be("s3cr3t-value");
        result.Files[0].Mode.Should().BeNull();
        result.Versions.Should().Equal(new ObjectVersion($"{Db}/versions/latest", $"projects/{FakeGcpServer.ProjectNumber}/secrets/db/versions/1"));
        bed.Server.IamCalls.Should().Be(0);
    }

    [Fact]
    public async Task Fetch_TokenExchange_SendsRfc8693BodyWithPodTokenAndGkeAudience()
    {
        await using var bed = await GcpTestBed.StartAsync();
        bed.Server.AddVersion(Db, "v");
        bed.Server.Allow(Db, Fed);
        var podToken = FakeGcpServer.KubernetesToken("my-proj.svc.id.goog");

        await bed.Provider().FetchAsync(GcpTestBed.Request($"- resourceName: {Db}/versions/1\n  path: a", podToken: podToken), CancellationToken.None);

        var body = bed.Server.LastStsBody!;
        body.Select(p => p.Key).Should().Equal("grant_type", "subject_token_type", "requested_token_type", "subject_token", "audience", "scope");
        body["subject_token"]!.GetValue<string>().Should().Be(podToken);
        body["audience"]!.GetValue<string>().Should().Be("identitynamespace:my-proj.svc.id.goog:https://container.googleapis.com/v1/projects/my-proj/locations/us-central1/clusters/prod");
    }

    [Fact]
    public async Task Fetch_AnnotatedServiceAccount_ImpersonatesWithFederatedBearerAndDelegates()
    {
        await using var bed = await GcpTestBed.StartAsync();
        const string gsa = "app@my-proj.iam.gserviceaccount.com";
        bed.ServiceAccounts["default/app"] = new()
        {
            ["iam.gke.io/gcp-service-account"] = gsa,
            ["iam.gke.io/gcp-service-account-delegates"] = """["hop@my-proj.iam.gserviceaccount.com"]""",
        };
        bed.Server.TokenCreators[gsa] = [Fed];
        bed.Server.AddVersion(Db, "impersonated");
        bed.Server.Allow(Db, "gsa:" + gsa);

        var result = await bed.Provider().FetchAsync(GcpTestBed.Request($"- resourceName: {Db}/versions/latest\n  fileName: db"), CancellationToken.None);

        Encoding.UTF8.GetString(result.Files[0].Contents.Span).Should().Be("impersonated");
        bed.Server.IamCalls.Should().Be(1);
        bed.Server.LastIamBody!["delegates"]!.AsArray().Select(d => d!.GetValue<string>()).Should().Equal("projects/-/serviceAccounts/hop@my-proj.iam.gserviceaccount.com");
        bed.Server.LastIamBody!["scope"]!.AsArray().Select(d => d!.GetValue<string>()).Should().Equal("https://www.googleapis.com/auth/cloud-platform");
    }

    [Fact]
    public async Task Fetch_ImpersonationDenied_PermissionDeniedWithUpstreamPrefixAndNoTokens()
    {
        await using var bed = await GcpTestBed.StartAsync();
        bed.ServiceAccounts["default/app"] = new() { ["iam.gke.io/gcp-service-account"] = "other@my-proj.iam.gserviceaccount.com" };
        var podToken = FakeGcpServer.KubernetesToken("my-proj.svc.id.goog");

        var ex = await Fails(bed, GcpTestBed.Request($"- resourceName: {Db}/versions/1\n  path: a", podToken: podToken));

        ex.Kind.Should().Be(FailureKind.PermissionDenied);
        ex.Message.Should().Contain("default/app-secrets").And.Contain("unable to obtain auth for mount: unable to obtain workload identity auth")
            .And.Contain("iam.serviceAccounts.getAccessToken").And.NotContain(podToken).And.NotContain("ya29.");
        bed.Server.LastIamBearer.Should().StartWith("ya29.", "the federated token is the IAM bearer");
    }

    [Fact]
    public async Task Fetch_LatestRotatedAtSource_VersionAndContentChange()
    {
        await using var bed = await GcpTestBed.StartAsync();
        bed.Server.AddVersion(Db, "one");
        bed.Server.Allow(Db, Fed);
        var provider = bed.Provider();
        var request = GcpTestBed.Request($"- resourceName: {Db}/versions/latest\n  path: db");

        var first = await provider.FetchAsync(request, CancellationToken.None);
        bed.Server.AddVersion(Db, "two");
        var second = await provider.FetchAsync(request, CancellationToken.None);

        first.Versions[0].Version.Should().EndWith("/versions/1");
        second.Versions[0].Version.Should().EndWith("/versions/2");
        second.Versions[0].Id.Should().Be($"{Db}/versions/latest");
        Encoding.UTF8.GetString(second.Files[0].Contents.Span).Should().Be("two");
    }

    [Fact]
    public async Task Fetch_AccessTokenCachedPerIdentity_UntilShortlyBeforeExpiry()
    {
        await using var bed = await GcpTestBed.StartAsync();
        bed.Server.AddVersion(Db, "v");
        bed.Server.Allow(Db, Fed);
        var provider = bed.Provider();
        var request = GcpTestBed.Request($"- resourceName: {Db}/versions/1\n  path: a");

        await provider.FetchAsync(request, CancellationToken.None);
        await provider.FetchAsync(request, CancellationToken.None);
        bed.Server.StsCalls.Should().Be(1);

        bed.Clock.Advance(TimeSpan.FromMinutes(56)); // token lives 60 min; refreshed 5 min before
        await provider.FetchAsync(request, CancellationToken.None);
        bed.Server.StsCalls.Should().Be(2);

        await provider.FetchAsync(GcpTestBed.Request($"- resourceName: {Db}/versions/1\n  path: a", serviceAccount: "other"), CancellationToken.None)
            .ContinueWith(_ => { }, TaskScheduler.Default);
        bed.Server.StsCalls.Should().Be(3, "another ServiceAccount is another identity");
    }

    [Fact]
    public async Task Fetch_PathFileNameAndModeForms_AsUpstream()
    {
        await using var bed = await GcpTestBed.StartAsync();
        bed.Server.AddVersion(Db, "v");
        bed.Server.Allow(Db, Fed);
        var yaml = $"""
            - resourceName: {Db}/versions/1
              path: dir/by-path
              fileName: ignored
              mode: 0400
            - resourceName: {Db}/versions/1
              fileName: by-file-name
              mode: 420
            - resourceName: {Db}/versions/1
              path: default-mode
            - resourceName: {Db}/versions/1
              path: octal-o
              mode: 0o640
            """;

        var result = await bed.Provider().FetchAsync(GcpTestBed.Request(yaml), CancellationToken.None);

        result.Files.Select(f => (f.Path, f.Mode)).Should().Equal(
            ("dir/by-path", (UnixFileMode?)Convert.ToInt32("400", 8)),
            ("by-file-name", (UnixFileMode?)Convert.ToInt32("644", 8)),
            ("default-mode", null),
            ("octal-o", (UnixFileMode?)Convert.ToInt32("640", 8)));
        bed.Server.AccessCalls[$"{Db}/versions/1"].Should().Be(1, "one resource is read once however many files it feeds");
    }

    [Fact]
    public async Task Fetch_DuplicateTriples_FetchedOnceOneFileOneVersion()
    {
        await using var bed = await GcpTestBed.StartAsync();
        bed.Server.AddVersion(Db, "v");
        bed.Server.Allow(Db, Fed);
        var entry = $"- resourceName: {Db}/versions/latest\n  path: same\n";

        var result = await bed.Provider().FetchAsync(GcpTestBed.Request(entry + entry + entry), CancellationToken.None);

        result.Files.Should().ContainSingle();
        result.Versions.Should().ContainSingle();
        bed.Server.AccessCalls[$"{Db}/versions/latest"].Should().Be(1);
    }

    [Fact]
    public async Task Fetch_ManySecrets_AllFetchedInParallelBounded()
    {
        await using var bed = await GcpTestBed.StartAsync(o => o.MaxParallelFetches = 3);
        var yaml = new StringBuilder();
        for (var i = 0; i < 20; i++)
        {
            bed.Server.AddVersion($"projects/my-proj/secrets/s{i}", $"value-{i}");
            bed.Server.Allow($"projects/my-proj/secrets/s{i}", Fed);
            yaml.Append($"- resourceName: projects/my-proj/secrets/s{i}/versions/latest\n  path: s{i}\n");
        }

        var result = await bed.Provider().FetchAsync(GcpTestBed.Request(yaml.ToString()), CancellationToken.None);

        result.Files.Select(f => Encoding.UTF8.GetString(f.Contents.Span)).Should().Equal(Enumerable.Range(0, 20).Select(i => $"value-{i}"));
    }

    [Fact]
    public async Task Fetch_ExtractJsonAndYamlKeys_WriteOnlyTheStringValue()
    {
        await using var bed = await GcpTestBed.StartAsync();
        bed.Server.AddVersion("projects/my-proj/secrets/json", """{"user":"admin","password":"p@ss","port":5432}""");
        bed.Server.AddVersion("projects/my-proj/secrets/yaml", "user: admin\npassword: 'y4ml'\nport: 5432\n");
        bed.Server.Allow("projects/my-proj/secrets/json", Fed);
        bed.Server.Allow("projects/my-proj/secrets/yaml", Fed);
        var yaml = """
            - resourceName: projects/my-proj/secrets/json/versions/1
              path: pw-json
              extractJSONKey: password
            - resourceName: projects/my-proj/secrets/yaml/versions/1
              path: pw-yaml
              extractYAMLKey: password
            """;

        var result = await bed.Provider().FetchAsync(GcpTestBed.Request(yaml), CancellationToken.None);

        result.Files.Select(f => Encoding.UTF8.GetString(f.Contents.Span)).Should().Equal("p@ss", "y4ml");
    }

    [Theory]
    [InlineData("extractJSONKey: missing", "key 'missing' not found in JSON")]
    [InlineData("extractJSONKey: port", "unsupported value type for key 'port'")]
    [InlineData("extractYAMLKey: port", "unsupported value type for key 'port'")]
    public async Task Fetch_ExtractKeyProblems_ClearErrorWithoutPayload(string extract, string expected)
    {
        await using var bed = await GcpTestBed.StartAsync();
        bed.Server.AddVersion(Db, """{"password":"hunter2-secret","port":5432}""");
        bed.Server.Allow(Db, Fed);

        var ex = await Fails(bed, GcpTestBed.Request($"- resourceName: {Db}/versions/1\n  path: a\n  {extract}"));

        ex.Kind.Should().Be(FailureKind.InvalidConfiguration);
        ex.Message.Should().Contain($"{{{Db}/versions/1  a}}: {expected}").And.NotContain("hunter2");
    }

    [Fact]
    public async Task Fetch_ExtractJsonKeyFromNonJsonPayload_ErrorDoesNotQuotePayload()
    {
        await using var bed = await GcpTestBed.StartAsync();
        bed.Server.AddVersion(Db, "hunter2-not-json");
        bed.Server.Allow(Db, Fed);

        var ex = await Fails(bed, GcpTestBed.Request($"- resourceName: {Db}/versions/1\n  path: a\n  extractJSONKey: k"));

        ex.Message.Should().Contain("Invalid JSON format for key extraction").And.NotContain("hunter2").And.NotContain("'h'");
    }

    [Fact]
    public async Task Fetch_BothExtractKeys_InvalidConfigurationBeforeAnyCall()
    {
        await using var bed = await GcpTestBed.StartAsync();

        var ex = await Fails(bed, GcpTestBed.Request($"- resourceName: {Db}/versions/1\n  path: a\n  extractJSONKey: a\n  extractYAMLKey: b"));

        ex.Kind.Should().Be(FailureKind.InvalidConfiguration);
        ex.Message.Should().Contain("both ExtractJSONKey and ExtractYAMLKey can't be simultaneously non empty strings");
        bed.Server.StsCalls.Should().Be(0);
    }

    [Fact]
    public async Task Fetch_CorruptedCrc_UnavailableIntegrityCheckFailed()
    {
        await using var bed = await GcpTestBed.StartAsync();
        bed.Server.AddVersion(Db, "hunter2");
        bed.Server.Allow(Db, Fed);
        bed.Server.CorruptCrc = true;

        var ex = await Fails(bed, GcpTestBed.Request($"- resourceName: {Db}/versions/1\n  path: a"));

        ex.Kind.Should().Be(FailureKind.Unavailable);
        ex.Message.Should().Contain("integrity check failed").And.NotContain("hunter2");
    }

    [Fact]
    public async Task Fetch_NoCrcInResponse_Accepted()
    {
        await using var bed = await GcpTestBed.StartAsync();
        bed.Server.AddVersion(Db, "v");
        bed.Server.Allow(Db, Fed);
        bed.Server.OmitCrc = true;

        var result = await bed.Provider().FetchAsync(GcpTestBed.Request($"- resourceName: {Db}/versions/1\n  path: a"), CancellationToken.None);

        result.Files.Should().ContainSingle();
    }

    [Fact]
    public async Task Fetch_SecretMissing_NotFoundNamingResource()
    {
        await using var bed = await GcpTestBed.StartAsync();
        bed.Server.Allow("projects/my-proj/secrets/nope", Fed);

        var ex = await Fails(bed, GcpTestBed.Request("- resourceName: projects/my-proj/secrets/nope/versions/latest\n  fileName: f"));

        ex.Kind.Should().Be(FailureKind.NotFound);
        ex.Message.Should().Contain("{projects/my-proj/secrets/nope/versions/latest f }: rpc error: code = NotFound desc = Secret [projects/123456789/secrets/nope] not found or has no versions.");
    }

    [Fact]
    public async Task Fetch_VersionMissing_NotFound()
    {
        await using var bed = await GcpTestBed.StartAsync();
        bed.Server.AddVersion(Db, "v");
        bed.Server.Allow(Db, Fed);

        var ex = await Fails(bed, GcpTestBed.Request($"- resourceName: {Db}/versions/9\n  path: a"));

        ex.Kind.Should().Be(FailureKind.NotFound);
        ex.Message.Should().Contain("Secret Version [projects/123456789/secrets/db/versions/9] not found.");
    }

    [Fact]
    public async Task Fetch_NoAccess_PermissionDenied()
    {
        await using var bed = await GcpTestBed.StartAsync();
        bed.Server.AddVersion(Db, "v");

        var ex = await Fails(bed, GcpTestBed.Request($"- resourceName: {Db}/versions/1\n  path: a"));

        ex.Kind.Should().Be(FailureKind.PermissionDenied);
        ex.Message.Should().Contain("code = PermissionDenied desc = Permission 'secretmanager.versions.access' denied").And.NotContain("ya29.");
    }

    [Fact]
    public async Task Fetch_OneOfSeveralFails_WholeVolumeFailsListingOnlyTheFailure()
    {
        await using var bed = await GcpTestBed.StartAsync();
        bed.Server.AddVersion(Db, "v");
        bed.Server.Allow(Db, Fed);

        var ex = await Fails(bed, GcpTestBed.Request($"- resourceName: {Db}/versions/1\n  path: ok\n- resourceName: projects/my-proj/secrets/denied/versions/1\n  path: bad"));

        ex.Message.Should().Contain("failed to fetch 1 of 2 secret(s)").And.Contain("{projects/my-proj/secrets/denied/versions/1  bad}").And.NotContain("{" + Db);
    }

    [Theory]
    [InlineData(503, "UNAVAILABLE")]
    [InlineData(429, "RESOURCE_EXHAUSTED")]
    [InlineData(500, "INTERNAL")]
    public async Task Fetch_TransientFailuresThenSuccess_Retried(int code, string status)
    {
        await using var bed = await GcpTestBed.StartAsync();
        bed.Server.AddVersion(Db, "v");
        bed.Server.Allow(Db, Fed);
        bed.Server.AccessFailures.Enqueue((code, status));
        bed.Server.AccessFailures.Enqueue((code, status));

        var result = await bed.Provider().FetchAsync(GcpTestBed.Request($"- resourceName: {Db}/versions/1\n  path: a"), CancellationToken.None);

        result.Files.Should().ContainSingle();
        bed.Server.AccessCalls[$"{Db}/versions/1"].Should().Be(3);
    }

    [Fact]
    public async Task Fetch_PersistentThrottling_UnavailableAfterBoundedAttempts()
    {
        await using var bed = await GcpTestBed.StartAsync(o => o.Retry = o.Retry with { MaxAttempts = 3 });
        bed.Server.AddVersion(Db, "v");
        bed.Server.Allow(Db, Fed);
        for (var i = 0; i < 10; i++)
        {
            bed.Server.AccessFailures.Enqueue((429, "RESOURCE_EXHAUSTED"));
        }

        var ex = await Fails(bed, GcpTestBed.Request($"- resourceName: {Db}/versions/1\n  path: a"));

        ex.Kind.Should().Be(FailureKind.Unavailable);
        ex.Message.Should().Contain("code = ResourceExhausted desc = Quota exceeded");
        bed.Server.AccessCalls[$"{Db}/versions/1"].Should().Be(3);
    }

    [Fact]
    public async Task Fetch_BackendHangs_TimeoutAfterDeadline()
    {
        await using var bed = await GcpTestBed.StartAsync(o => { o.RequestTimeout = TimeSpan.FromMilliseconds(300); o.Retry = o.Retry with { MaxAttempts = 2 }; });
        bed.Server.AddVersion(Db, "v");
        bed.Server.Allow(Db, Fed);
        bed.Server.HangAccess = true;

        var ex = await Fails(bed, GcpTestBed.Request($"- resourceName: {Db}/versions/1\n  path: a"));

        ex.Kind.Should().Be(FailureKind.Timeout);
        ex.Message.Should().Contain("DeadlineExceeded");
    }

    [Fact]
    public async Task Fetch_PayloadOverLimit_TooLarge()
    {
        await using var bed = await GcpTestBed.StartAsync(o => o.MaxObjectBytes = 1024);
        bed.Server.AddVersion(Db, new string('x', 5000));
        bed.Server.Allow(Db, Fed);

        var ex = await Fails(bed, GcpTestBed.Request($"- resourceName: {Db}/versions/1\n  path: a"));

        ex.Kind.Should().Be(FailureKind.TooLarge);
    }

    [Fact]
    public async Task Fetch_PodTokenForAudienceMissing_TellsOperatorToAddTokenRequest()
    {
        await using var bed = await GcpTestBed.StartAsync();

        var ex = await Fails(bed, GcpTestBed.Request($"- resourceName: {Db}/versions/1\n  path: a", podTokenAudience: "vault"));

        ex.Kind.Should().Be(FailureKind.InvalidConfiguration);
        ex.Message.Should().Contain("audience \"my-proj.svc.id.goog\"").And.Contain("tokenRequests").And.Contain("CSIDriver").And.Contain("[vault]");
        bed.Server.StsCalls.Should().Be(0);
    }

    [Fact]
    public async Task Fetch_ExchangeRefused_PermissionDeniedWithoutSubjectToken()
    {
        await using var bed = await GcpTestBed.StartAsync();
        bed.Server.ExpectedExchangeAudience = "identitynamespace:other.svc.id.goog:https://elsewhere";
        var podToken = FakeGcpServer.KubernetesToken("my-proj.svc.id.goog");

        var ex = await Fails(bed, GcpTestBed.Request($"- resourceName: {Db}/versions/1\n  path: a", podToken: podToken));

        ex.Kind.Should().Be(FailureKind.PermissionDenied);
        ex.Message.Should().Contain("could not get idbindtoken token").And.Contain("invalid_target").And.NotContain(podToken);
    }

    [Fact]
    public async Task Fetch_NoClusterConfigured_ReadsMetadataServerWithFlavorHeader()
    {
        await using var bed = await GcpTestBed.StartAsync(o => { o.Project = null; o.ClusterLocation = null; o.ClusterName = null; });
        bed.Server.AddVersion(Db, "v");
        bed.Server.Allow(Db, Fed);
        var provider = bed.Provider();

        await provider.FetchAsync(GcpTestBed.Request($"- resourceName: {Db}/versions/1\n  path: a"), CancellationToken.None);
        await provider.FetchAsync(GcpTestBed.Request($"- resourceName: {Db}/versions/1\n  path: a", serviceAccount: "b"), CancellationToken.None)
            .ContinueWith(_ => { }, TaskScheduler.Default);

        bed.Server.MetadataCalls.Should().Be(3, "project, location and name are read once and remembered");
        bed.Server.LastStsBody!["audience"]!.GetValue<string>().Should().Be(bed.Server.ExpectedExchangeAudience);
    }

    [Fact]
    public async Task Fetch_ExternalAccountFullAudience_TokenLookedUpByAudience()
    {
        const string audience = "//iam.googleapis.com/projects/42/locations/global/workloadIdentityPools/pool/providers/k8s";
        await using var bed = await GcpTestBed.StartAsync(o =>
        {
            o.Project = null;
            o.ExternalAccountAudience = audience;
            o.TokenExchangeEndpoint = new Uri(o.TokenExchangeEndpoint, "/v1/token");
        });
        bed.Server.ExpectedPool = audience;
        bed.Server.ExpectedExchangeAudience = audience;
        bed.Server.AddVersion(Db, "fleet");
        bed.Server.Allow(Db, Fed);

        var result = await bed.Provider().FetchAsync(GcpTestBed.Request($"- resourceName: {Db}/versions/1\n  path: a", podTokenAudience: audience), CancellationToken.None);

        Encoding.UTF8.GetString(result.Files[0].Contents.Span).Should().Be("fleet");
        bed.Server.MetadataCalls.Should().Be(0);
    }

    [Fact]
    public async Task Fetch_NodePublishSecretKeyJson_MintsTokenWithSignedJwt()
    {
        await using var bed = await GcpTestBed.StartAsync(o => o.AllowNodePublishSecret = true);
        using var rsa = System.Security.Cryptography.RSA.Create(2048);
        const string email = "reader@my-proj.iam.gserviceaccount.com";
        bed.Server.ServiceAccountKeys[email] = rsa;
        bed.Server.AddVersion(Db, "by-key");
        bed.Server.Allow(Db, "key:" + email);
        var keyJson = KeyJson(email, rsa);
        var provider = bed.Provider();

        var result = await provider.FetchAsync(GcpTestBed.Request($"- resourceName: {Db}/versions/1\n  path: a", nodePublishSecrets: new Dictionary<string, string> { ["key.json"] = keyJson }), CancellationToken.None);
        await provider.FetchAsync(GcpTestBed.Request($"- resourceName: {Db}/versions/1\n  path: a", nodePublishSecrets: new Dictionary<string, string> { ["key.json"] = keyJson }), CancellationToken.None);

        Encoding.UTF8.GetString(result.Files[0].Contents.Span).Should().Be("by-key");
        bed.Server.TokenUriCalls.Should().Be(1);
        bed.Server.StsCalls.Should().Be(0);
    }

    [Fact]
    public async Task Fetch_KeyJsonSignedByWrongKey_PermissionDeniedWithoutKeyText()
    {
        await using var bed = await GcpTestBed.StartAsync(o => o.AllowNodePublishSecret = true);
        using var registered = System.Security.Cryptography.RSA.Create(2048);
        using var other = System.Security.Cryptography.RSA.Create(2048);
        const string email = "reader@my-proj.iam.gserviceaccount.com";
        bed.Server.ServiceAccountKeys[email] = registered;
        var keyJson = KeyJson(email, other);

        var ex = await Fails(bed, GcpTestBed.Request($"- resourceName: {Db}/versions/1\n  path: a", nodePublishSecrets: new Dictionary<string, string> { ["key.json"] = keyJson }));

        ex.Kind.Should().Be(FailureKind.PermissionDenied);
        ex.Message.Should().Contain("invalid_grant").And.NotContain("PRIVATE KEY").And.NotContain(other.ExportPkcs8PrivateKeyPem()[40..80]);
    }

    [Theory]
    [InlineData("not json at all hunter2", "not valid JSON")]
    [InlineData("""{"type":"authorized_user","client_email":"a@b"}""", "expected \"service_account\"")]
    [InlineData("""{"type":"service_account","client_email":"a@b.c","private_key":"-----BEGIN PRIVATE KEY-----\nhunter2\n-----END PRIVATE KEY-----\n"}""", "not a PEM RSA private key")]
    public async Task Fetch_MalformedKeyJson_InvalidConfigurationWithoutKeyText(string keyJson, string expected)
    {
        await using var bed = await GcpTestBed.StartAsync(o => o.AllowNodePublishSecret = true);

        var ex = await Fails(bed, GcpTestBed.Request($"- resourceName: {Db}/versions/1\n  path: a", nodePublishSecrets: new Dictionary<string, string> { ["key.json"] = keyJson }));

        ex.Kind.Should().Be(FailureKind.InvalidConfiguration);
        ex.Message.Should().Contain(expected).And.NotContain("hunter2");
    }

    [Fact]
    public async Task Fetch_KeyJsonWhenNotAllowed_PermissionDeniedNamingTheOption()
    {
        await using var bed = await GcpTestBed.StartAsync();

        var ex = await Fails(bed, GcpTestBed.Request($"- resourceName: {Db}/versions/1\n  path: a", nodePublishSecrets: new Dictionary<string, string> { ["key.json"] = "{}" }));

        ex.Kind.Should().Be(FailureKind.PermissionDenied);
        ex.Message.Should().Contain("ALLOW_NODE_PUBLISH_SECRET");
    }

    [Theory]
    [InlineData("pod-adc")]
    [InlineData("provider-adc")]
    public async Task Fetch_AuthParameterWithKeyJson_Rejected(string auth)
    {
        await using var bed = await GcpTestBed.StartAsync(o => { o.AllowNodePublishSecret = true; o.AllowProviderAdc = true; });

        var ex = await Fails(bed, GcpTestBed.Request($"- resourceName: {Db}/versions/1\n  path: a", extraParameters: new Dictionary<string, string> { ["auth"] = auth }, nodePublishSecrets: new Dictionary<string, string> { ["key.json"] = "{}" }));

        ex.Kind.Should().Be(FailureKind.InvalidConfiguration);
        ex.Message.Should().Contain($"auth '{auth}' cannot be combined");
    }

    [Fact]
    public async Task Fetch_ProviderAdcAllowed_UsesMetadataServerToken()
    {
        await using var bed = await GcpTestBed.StartAsync(o => o.AllowProviderAdc = true);
        bed.Server.AddVersion(Db, "node-read");
        bed.Server.Allow(Db, "node");

        var result = await bed.Provider().FetchAsync(GcpTestBed.Request($"- resourceName: {Db}/versions/1\n  path: a", extraParameters: new Dictionary<string, string> { ["auth"] = "provider-adc" }), CancellationToken.None);

        Encoding.UTF8.GetString(result.Files[0].Contents.Span).Should().Be("node-read");
        bed.Server.StsCalls.Should().Be(0);
    }

    [Fact]
    public async Task Fetch_ProviderAdcNotAllowed_PermissionDenied()
    {
        await using var bed = await GcpTestBed.StartAsync();

        var ex = await Fails(bed, GcpTestBed.Request($"- resourceName: {Db}/versions/1\n  path: a", extraParameters: new Dictionary<string, string> { ["auth"] = "provider-adc" }));

        ex.Kind.Should().Be(FailureKind.PermissionDenied);
        ex.Message.Should().Contain("GCP_ALLOW_PROVIDER_ADC");
        bed.Server.MetadataCalls.Should().Be(0);
    }

    [Fact]
    public async Task Fetch_UnknownAuth_UpstreamMessage()
    {
        await using var bed = await GcpTestBed.StartAsync();

        var ex = await Fails(bed, GcpTestBed.Request($"- resourceName: {Db}/versions/1\n  path: a", extraParameters: new Dictionary<string, string> { ["auth"] = "magic" }));

        ex.Message.Should().Contain("unknown auth configuration: \"magic\"");
    }

    [Fact]
    public async Task Fetch_ExplicitPodAdc_SameAsDefault()
    {
        await using var bed = await GcpTestBed.StartAsync();
        bed.Server.AddVersion(Db, "v");
        bed.Server.Allow(Db, Fed);

        var result = await bed.Provider().FetchAsync(GcpTestBed.Request($"- resourceName: {Db}/versions/1\n  path: a", extraParameters: new Dictionary<string, string> { ["auth"] = "pod-adc" }), CancellationToken.None);

        result.Files.Should().ContainSingle();
    }

    [Fact]
    public async Task Fetch_RegionalSecret_UsesRegionalEndpoint()
    {
        await using var bed = await GcpTestBed.StartAsync();
        const string regional = "projects/my-proj/locations/europe-west4/secrets/db";
        bed.Server.AddVersion(regional, "regional");
        bed.Server.Allow(regional, Fed);

        var result = await bed.Provider().FetchAsync(GcpTestBed.Request($"- resourceName: {regional}/versions/latest\n  path: a"), CancellationToken.None);

        Encoding.UTF8.GetString(result.Files[0].Contents.Span).Should().Be("regional");
        result.Versions[0].Version.Should().Be("projects/123456789/locations/europe-west4/secrets/db/versions/1");
    }

    [Theory]
    [InlineData("projects/my-proj/locations/global/parameters/cfg/versions/v1")]
    [InlineData("projects/my-proj/locations/us-east1/parameters/cfg/versions/v1")]
    public async Task Fetch_ParameterManager_RendersAndReportsParameterVersion(string resource)
    {
        await using var bed = await GcpTestBed.StartAsync();
        bed.Server.Parameters[resource] = Encoding.UTF8.GetBytes("{\"db\":\"rendered\"}");

        var result = await bed.Provider().FetchAsync(GcpTestBed.Request($"- resourceName: {resource}\n  path: cfg\n  extractJSONKey: db"), CancellationToken.None);

        Encoding.UTF8.GetString(result.Files[0].Contents.Span).Should().Be("rendered");
        result.Versions.Should().Equal(new ObjectVersion(resource, resource));
    }

    [Theory]
    [InlineData("projects/p/secrets/s", "unknown resource type")]
    [InlineData("secrets/s/versions/1", "unknown resource type")]
    [InlineData("projects/../secrets/s/versions/1", "Invalid secret resource name")]
    [InlineData("projects/p/secrets/s/versions/1?alt=media", "Invalid secret resource name")]
    [InlineData("projects/p/secrets/s%2F..%2Fx/versions/1", "Invalid secret resource name")]
    [InlineData("projects/p/locations/a-very-long-location-name-over-thirty/secrets/s/versions/1", "location length exceeds limit")]
    [InlineData("projects/p/locations/evil.com#/secrets/s/versions/1", "Invalid location")]
    [InlineData("projects/p/locations/x/parameters/../versions/1", "Invalid parameter resource name")]
    public async Task Fetch_BadResourceName_InvalidConfigurationBeforeAnyCall(string resource, string expected)
    {
        await using var bed = await GcpTestBed.StartAsync();

        var ex = await Fails(bed, GcpTestBed.Request($"- resourceName: \"{resource}\"\n  path: a"));

        ex.Kind.Should().Be(FailureKind.InvalidConfiguration);
        ex.Message.Should().Contain(expected);
        bed.Server.StsCalls.Should().Be(0);
    }

    [Theory]
    [InlineData(null, "missing required 'secrets' attribute")]
    [InlineData("- resourceName: [unclosed", "failed to unmarshal secrets attribute")]
    [InlineData("resourceName: not-a-list", "failed to unmarshal secrets attribute")]
    [InlineData("- resourceName: projects/p/secrets/s/versions/1", "neither 'path' nor 'fileName' is set")]
    [InlineData("- resourceName: projects/p/secrets/s/versions/1\n  path: a\n  mode: 0999", "mode '0999' is not a file mode")]
    [InlineData("- resourceName: projects/p/secrets/s/versions/1\n  path: a\n  mode: 4096", "mode '4096' is not a file mode")]
    [InlineData("- resourceName: projects/p/secrets/s/versions/1\n  path: a\n  mode: rw", "mode 'rw' is not a file mode")]
    [InlineData("-\n- resourceName: projects/p/secrets/s/versions/1\n  path: a", "empty entry")]
    public async Task Fetch_MalformedSecretsParameter_InvalidConfiguration(string? secrets, string expected)
    {
        await using var bed = await GcpTestBed.StartAsync();
        var request = GcpTestBed.Request(secrets ?? "x");
        if (secrets is null)
        {
            request = request with { Attributes = new Dictionary<string, string>() };
        }

        var ex = await Fails(bed, request);

        ex.Kind.Should().Be(FailureKind.InvalidConfiguration);
        ex.Message.Should().Contain("default/app-secrets").And.Contain(expected);
    }

    [Fact]
    public async Task Fetch_FieldNamesAreCaseSensitive_AsYamlV3()
    {
        await using var bed = await GcpTestBed.StartAsync();

        var ex = await Fails(bed, GcpTestBed.Request($"- ResourceName: {Db}/versions/1\n  Path: a"));

        ex.Message.Should().Contain("neither 'path' nor 'fileName' is set");
    }

    [Fact]
    public async Task Fetch_EmptySecretsList_NoFilesNoCalls()
    {
        await using var bed = await GcpTestBed.StartAsync();

        var result = await bed.Provider().FetchAsync(GcpTestBed.Request("[]"), CancellationToken.None);

        result.Files.Should().BeEmpty();
        bed.Server.StsCalls.Should().Be(0);
    }

    [Fact]
    public async Task Fetch_NoKubernetesApi_ClearErrorAboutServiceAccountLookup()
    {
        await using var bed = await GcpTestBed.StartAsync();
        bed.Lookup = new CsiDriver.Providers.NoServiceAccountLookup();

        var ex = await Fails(bed, GcpTestBed.Request($"- resourceName: {Db}/versions/1\n  path: a"));

        ex.Message.Should().Contain("unable to fetch SA info").And.Contain("default/app");
    }

    [Fact]
    public async Task Fetch_MalformedDelegatesAnnotation_InvalidConfiguration()
    {
        await using var bed = await GcpTestBed.StartAsync();
        bed.ServiceAccounts["default/app"] = new()
        {
            ["iam.gke.io/gcp-service-account"] = "app@my-proj.iam.gserviceaccount.com",
            ["iam.gke.io/gcp-service-account-delegates"] = "hop@x",
        };

        var ex = await Fails(bed, GcpTestBed.Request($"- resourceName: {Db}/versions/1\n  path: a"));

        ex.Kind.Should().Be(FailureKind.InvalidConfiguration);
        ex.Message.Should().Contain("iam.gke.io/gcp-service-account-delegates");
    }

    [Fact]
    public async Task Fetch_SecretManagerUnreachable_UnavailableAfterRetries()
    {
        await using var bed = await GcpTestBed.StartAsync(o => o.SecretManagerEndpoint = new Uri("http://127.0.0.1:1"));
        bed.Server.Allow(Db, Fed);

        var ex = await Fails(bed, GcpTestBed.Request($"- resourceName: {Db}/versions/1\n  path: a"));

        ex.Kind.Should().Be(FailureKind.Unavailable);
        ex.Message.Should().Contain("code = Unavailable desc = cannot reach 127.0.0.1");
    }

    private static async Task<SecretStoreException> Fails(GcpTestBed bed, CsiDriver.Providers.ProviderRequest request)
    {
        var act = () => bed.Provider().FetchAsync(request, CancellationToken.None);
        var ex = (await act.Should().ThrowAsync<SecretStoreException>()).Which;
        ex.Message.Should().NotContain("ya29.", "no access token may leak into a message");
        return ex;
    }

    private static string KeyJson(string email, System.Security.Cryptography.RSA rsa) =>
        System.Text.Json.JsonSerializer.Serialize(new Dictionary<string, string>
        {
            ["type"] = "service_account",
            ["project_id"] = "my-proj",
            ["private_key_id"] = "abc123",
            ["private_key"] = rsa.ExportPkcs8PrivateKeyPem(),
            ["client_email"] = email,
            ["token_uri"] = "https://oauth2.googleapis.com/token",
        });
}
