using System.Text;
using CsiDriver.Providers;
using CsiDriver.Publishing;

namespace CsiDriver.Tests.Providers.Aws;

public sealed class AwsProviderFetchTests
{
    private const string Region = AwsTestContext.Region;

    [Fact]
    public async Task Fetch_IrsaSecretStringBinaryAndParameter_WritesFilesModesAndVersions()
    {
        await using var aws = await AwsTestContext.StartAsync();
        var secret = aws.Server.PutSecret(Region, "prod/db", text: "s3cr3t-value", versionId: "v-1111");
        aws.Server.PutSecret(Region, "tls-key", binary: [0, 1, 2, 255], versionId: "v-2222");
        aws.Server.PutParameter(Region, "/app/api-key", "param-value");

        var result = await aws.FetchAsync(AwsTestContext.Request(AwsTestContext.Params("""
            - objectName: prod/db
              objectType: secretsmanager
              filePermission: "0600"
            - objectName: tls-key
              objectType: secretsmanager
              objectAlias: tls.key
            - objectName: /app/api-key
              objectType: ssmparameter
            """)));

        result.Text("prod_db").Should().Be("s3cr3t-value");
        result.Files.Single(f => f.Path == "prod_db").Mode.Should().Be((UnixFileMode)0x180);
        result.Files.Single(f => f.Path == "tls.key").Contents.ToArray().Should().Equal(0, 1, 2, 255);
        result.Files.Single(f => f.Path == "tls.key").Mode.Should().BeNull();
        result.Text("_app_api-key").Should().Be("param-value");
        result.Version("prod_db").Should().Be("v-1111");
        result.Version("tls.key").Should().Be("v-2222");
        result.Version("_app_api-key").Should().Be("1");
        aws.Server.Calls("STS.AssumeRoleWithWebIdentity").Should().Be(1);
        aws.Server.Calls("secretsmanager.BatchGetSecretValue").Should().Be(1);
        aws.Server.Calls("secretsmanager.GetSecretValue").Should().Be(0);
        aws.Server.Calls("AmazonSSM.GetParameters").Should().Be(1);
        secret.Name.Should().Be("prod/db");
    }

    [Fact]
    public async Task Fetch_IrsaCredentials_CachedUntilFiveMinutesBeforeExpiry()
    {
        await using var aws = await AwsTestContext.StartAsync();
        aws.Server.PutSecret(Region, "one", text: "1");
        var request = AwsTestContext.Request(AwsTestContext.Params("- {objectName: one, objectType: secretsmanager}"));

        await aws.FetchAsync(request);
        aws.Time.Advance(TimeSpan.FromMinutes(50));
        await aws.FetchAsync(request);
        aws.Server.Calls("STS.AssumeRoleWithWebIdentity").Should().Be(1);

        aws.Time.Advance(TimeSpan.FromMinutes(6)); // 56 min into a 60 min credential
        await aws.FetchAsync(request);
        aws.Server.Calls("STS.AssumeRoleWithWebIdentity").Should().Be(2);
    }

    [Fact]
    public async Task Fetch_NoRoleAnnotation_FailsWithUpstreamMessage()
    {
        await using var aws = await AwsTestContext.StartAsync();
        aws.Lookup.Annotations.Clear();

        var error = await aws.FailAsync(AwsTestContext.Request(AwsTestContext.Params("- {objectName: one, objectType: secretsmanager}")));

        error.Kind.Should().Be(FailureKind.InvalidConfiguration);
        error.Message.Should().Contain("An IAM role must be associated with service account web (namespace: app)").And.Contain("app/app-secrets");
    }

    [Fact]
    public async Task Fetch_NoServiceAccountTokens_FailsWithUpstreamMessage()
    {
        await using var aws = await AwsTestContext.StartAsync();

        var error = await aws.FailAsync(AwsTestContext.Request(AwsTestContext.Params("- {objectName: one, objectType: secretsmanager}"), tokensJson: ""));

        error.Message.Should().Contain("CSI token error: serviceAccount.tokens not provided - ensure tokenRequests is configured in CSIDriver");
    }

    [Fact]
    public async Task Fetch_StsAudienceTokenMissing_FailsWithUpstreamMessage()
    {
        await using var aws = await AwsTestContext.StartAsync();
        var tokens = """{"vault": {"token": "other", "expirationTimestamp": "2030-01-01T00:00:00Z"}}""";

        var error = await aws.FailAsync(AwsTestContext.Request(AwsTestContext.Params("- {objectName: one, objectType: secretsmanager}"), tokensJson: tokens));

        error.Message.Should().Contain("IRSA token extraction failed: token for audience \"sts.amazonaws.com\" not found");
    }

    [Fact]
    public async Task Fetch_StsRejectsWebIdentityToken_PermissionDeniedWithoutToken()
    {
        await using var aws = await AwsTestContext.StartAsync();
        aws.Server.Roles[AwsTestContext.RoleArn] = "a-different-token";

        var error = await aws.FailAsync(AwsTestContext.Request(AwsTestContext.Params("- {objectName: one, objectType: secretsmanager}")));

        error.Kind.Should().Be(FailureKind.PermissionDenied);
        error.Message.Should().Contain("InvalidIdentityToken").And.Contain("web-0").And.NotContain(AwsTestContext.StsToken);
    }

    [Fact]
    public async Task Fetch_PodIdentity_UsesAgentWithPodToken()
    {
        await using var aws = await AwsTestContext.StartAsync();
        aws.Server.PutSecret(Region, "one", text: "via-pod-identity");
        var parameters = AwsTestContext.Params("- {objectName: one, objectType: secretsmanager}", Region, ("usePodIdentity", "true"), ("preferredAddressType", "ipv4"));

        var result = await aws.FetchAsync(AwsTestContext.Request(parameters));

        result.Text("one").Should().Be("via-pod-identity");
        aws.Server.Calls("PodIdentity.GetCredentials").Should().Be(1);
        aws.Server.Calls("STS.AssumeRoleWithWebIdentity").Should().Be(0);
        aws.Lookup.Lookups.Should().Be(0);
    }

    [Fact]
    public async Task Fetch_PodIdentityTokenMissing_FailsWithAudienceInMessage()
    {
        await using var aws = await AwsTestContext.StartAsync();
        var tokens = """{"sts.amazonaws.com": {"token": "x", "expirationTimestamp": "2030-01-01T00:00:00Z"}}""";
        var parameters = AwsTestContext.Params("- {objectName: one, objectType: secretsmanager}", Region, ("usePodIdentity", "True"));

        var error = await aws.FailAsync(AwsTestContext.Request(parameters, tokensJson: tokens));

        error.Message.Should().Contain("token for audience \"pods.eks.amazonaws.com\" not found");
    }

    [Fact]
    public async Task Fetch_PodIdentityAgentRejectsToken_PermissionDenied()
    {
        await using var aws = await AwsTestContext.StartAsync();
        aws.Server.PodIdentityToken = "something-else";
        var parameters = AwsTestContext.Params("- {objectName: one, objectType: secretsmanager}", Region, ("usePodIdentity", "1"));

        var error = await aws.FailAsync(AwsTestContext.Request(parameters));

        error.Kind.Should().Be(FailureKind.PermissionDenied);
        error.Message.Should().NotContain(AwsTestContext.PodIdentityToken);
    }

    [Fact]
    public async Task Fetch_StaticCredentialsFromNodePublishSecret_SignsWithThem()
    {
        await using var aws = await AwsTestContext.StartAsync();
        aws.Server.AddKey("AKIADEVELOPER", "dev-secret-key", "static:AKIADEVELOPER");
        aws.Server.PutSecret(Region, "one", text: "static-value");
        var secrets = new Dictionary<string, string> { ["awsAccessKeyId"] = "AKIADEVELOPER", ["awsSecretAccessKey"] = "dev-secret-key" };

        var result = await aws.FetchAsync(AwsTestContext.Request(AwsTestContext.Params("- {objectName: one, objectType: secretsmanager}"), tokensJson: "", secrets: secrets));

        result.Text("one").Should().Be("static-value");
        aws.Server.Calls("STS.AssumeRoleWithWebIdentity").Should().Be(0);
    }

    [Fact]
    public async Task Fetch_WrongSecretKey_ServerRejectsSignature()
    {
        await using var aws = await AwsTestContext.StartAsync();
        aws.Server.AddKey("AKIADEVELOPER", "the-real-secret", "static:AKIADEVELOPER");
        aws.Server.PutSecret(Region, "one", text: "never-shown");
        var secrets = new Dictionary<string, string> { ["awsAccessKeyId"] = "AKIADEVELOPER", ["awsSecretAccessKey"] = "a-wrong-secret" };

        var error = await aws.FailAsync(AwsTestContext.Request(AwsTestContext.Params("- {objectName: one, objectType: secretsmanager}"), secrets: secrets));

        error.Kind.Should().Be(FailureKind.PermissionDenied);
        error.Message.Should().Contain("InvalidSignatureException").And.Contain("us-east-1: Failed fetching secret one")
            .And.NotContain("a-wrong-secret").And.NotContain("never-shown");
    }

    [Fact]
    public async Task Fetch_RegionFromDriverEnvironment_WhenParameterMissing()
    {
        await using var aws = await AwsTestContext.StartAsync(o => o.Region = "eu-central-1");
        aws.Server.PutSecret("eu-central-1", "one", text: "from-env-region");

        var result = await aws.FetchAsync(AwsTestContext.Request(AwsTestContext.Params("- {objectName: one, objectType: secretsmanager}", region: null)));

        result.Text("one").Should().Be("from-env-region");
        aws.Server.Calls("IMDS.Token").Should().Be(0);
    }

    [Fact]
    public async Task Fetch_RegionFromImdsV2_WhenNeitherParameterNorEnvironment()
    {
        await using var aws = await AwsTestContext.StartAsync();
        aws.Server.ImdsRegion = "ap-southeast-2";
        aws.Server.PutSecret("ap-southeast-2", "one", text: "from-imds-region");
        var request = AwsTestContext.Request(AwsTestContext.Params("- {objectName: one, objectType: secretsmanager}", region: null));

        (await aws.FetchAsync(request)).Text("one").Should().Be("from-imds-region");
        await aws.FetchAsync(request);

        aws.Server.Calls("IMDS.Token").Should().Be(1);
        aws.Server.Calls("IMDS.Region").Should().Be(1);
    }

    [Fact]
    public async Task Fetch_NoRegionAnywhere_ClearError()
    {
        await using var aws = await AwsTestContext.StartAsync(o => o.ImdsDisabled = true);

        var error = await aws.FailAsync(AwsTestContext.Request(AwsTestContext.Params("- {objectName: one, objectType: secretsmanager}", region: null)));

        error.Kind.Should().Be(FailureKind.InvalidConfiguration);
        error.Message.Should().Contain("failed to retrieve region from node");
    }

    [Fact]
    public async Task Fetch_BatchDenied_FallsBackToSingleCallsAndRemembers()
    {
        await using var aws = await AwsTestContext.StartAsync();
        aws.Server.BatchDenied[AwsTestContext.RoleArn] = true;
        aws.Server.PutSecret(Region, "a", text: "A");
        aws.Server.PutSecret(Region, "b", text: "B");
        aws.Server.PutSecret(Region, "c", text: "C");
        var request = AwsTestContext.Request(AwsTestContext.Params("""
            - {objectName: a, objectType: secretsmanager}
            - {objectName: b, objectType: secretsmanager}
            - {objectName: c, objectType: secretsmanager}
            """));

        var first = await aws.FetchAsync(request);
        var second = await aws.FetchAsync(AwsTestContext.Request(request.Class.Parameters, podUid: "uid-2"));

        first.Text("c").Should().Be("C");
        second.Text("a").Should().Be("A");
        aws.Server.Calls("secretsmanager.BatchGetSecretValue").Should().Be(1);
        aws.Server.Calls("secretsmanager.GetSecretValue").Should().Be(6);
    }

    [Fact]
    public async Task Fetch_ManySecrets_BatchedByTwenty()
    {
        await using var aws = await AwsTestContext.StartAsync();
        var yaml = new StringBuilder();
        for (var i = 0; i < 25; i++)
        {
            aws.Server.PutSecret(Region, $"s{i}", text: $"value-{i}");
            yaml.AppendLine($"- {{objectName: s{i}, objectType: secretsmanager}}");
        }

        var result = await aws.FetchAsync(AwsTestContext.Request(AwsTestContext.Params(yaml.ToString())));

        result.Files.Should().HaveCount(25);
        result.Text("s24").Should().Be("value-24");
        aws.Server.Calls("secretsmanager.BatchGetSecretValue").Should().Be(2);
        aws.Server.Calls("secretsmanager.GetSecretValue").Should().Be(0);
    }

    [Fact]
    public async Task Rotation_UnchangedSecrets_OnlyDescribeSecretCalls()
    {
        await using var aws = await AwsTestContext.StartAsync();
        aws.Server.PutSecret(Region, "a", text: "A");
        aws.Server.PutSecret(Region, "b", text: "B");
        var parameters = AwsTestContext.Params("""
            - {objectName: a, objectType: secretsmanager}
            - {objectName: b, objectType: secretsmanager, objectVersionLabel: AWSCURRENT}
            """);
        var first = await aws.FetchAsync(AwsTestContext.Request(parameters));
        var reads = aws.Server.TotalCalls("secretsmanager.GetSecretValue", "secretsmanager.BatchGetSecretValue");

        var second = await aws.FetchAsync(AwsTestContext.Request(parameters, current: first.Versions));

        second.Text("a").Should().Be("A");
        second.Text("b").Should().Be("B");
        second.Versions.Should().BeEquivalentTo(first.Versions);
        aws.Server.TotalCalls("secretsmanager.GetSecretValue", "secretsmanager.BatchGetSecretValue").Should().Be(reads);
        aws.Server.Calls("secretsmanager.DescribeSecret").Should().Be(2);
    }

    [Fact]
    public async Task Rotation_SecretRotatedAtSource_NewVersionAndValue()
    {
        await using var aws = await AwsTestContext.StartAsync();
        var secret = aws.Server.PutSecret(Region, "db", text: "old-password", versionId: "v-old");
        var parameters = AwsTestContext.Params("- {objectName: db, objectType: secretsmanager}");
        var first = await aws.FetchAsync(AwsTestContext.Request(parameters));

        secret.AddVersion("v-new", "new-password", null);
        var second = await aws.FetchAsync(AwsTestContext.Request(parameters, current: first.Versions));

        first.Version("db").Should().Be("v-old");
        second.Version("db").Should().Be("v-new");
        second.Text("db").Should().Be("new-password");
        aws.Server.Calls("secretsmanager.DescribeSecret").Should().Be(1);
    }

    [Fact]
    public async Task Rotation_ParameterUpdatedAtSource_NewVersion()
    {
        await using var aws = await AwsTestContext.StartAsync();
        var parameter = aws.Server.PutParameter(Region, "/app/flag", "off");
        var parameters = AwsTestContext.Params("- {objectName: /app/flag, objectType: ssmparameter, objectAlias: flag}");
        var first = await aws.FetchAsync(AwsTestContext.Request(parameters));

        parameter.AddVersion("on", []);
        var second = await aws.FetchAsync(AwsTestContext.Request(parameters, current: first.Versions));

        first.Version("flag").Should().Be("1");
        second.Version("flag").Should().Be("2");
        second.Text("flag").Should().Be("on");
    }

    [Fact]
    public async Task Rotation_PinnedVersionAlreadyRead_NoCallsAtAll()
    {
        await using var aws = await AwsTestContext.StartAsync();
        aws.Server.PutSecret(Region, "db", text: "pinned", versionId: "v-pin");
        aws.Server.PutSecret(Region, "db", text: "newer", versionId: "v-newer");
        var parameters = AwsTestContext.Params("- {objectName: db, objectType: secretsmanager, objectVersion: v-pin}");
        var first = await aws.FetchAsync(AwsTestContext.Request(parameters));
        var calls = aws.Server.TotalCalls("secretsmanager.GetSecretValue", "secretsmanager.DescribeSecret", "secretsmanager.BatchGetSecretValue");

        var second = await aws.FetchAsync(AwsTestContext.Request(parameters, current: first.Versions));

        second.Text("db").Should().Be("pinned");
        aws.Server.TotalCalls("secretsmanager.GetSecretValue", "secretsmanager.DescribeSecret", "secretsmanager.BatchGetSecretValue").Should().Be(calls);
    }

    [Fact]
    public async Task Fetch_VersionLabel_ReadsThatStage()
    {
        await using var aws = await AwsTestContext.StartAsync();
        aws.Server.PutSecret(Region, "db", text: "previous", versionId: "v-1");
        aws.Server.PutSecret(Region, "db", text: "current", versionId: "v-2");

        var result = await aws.FetchAsync(AwsTestContext.Request(AwsTestContext.Params("""
            - {objectName: db, objectType: secretsmanager, objectAlias: db-prev, objectVersionLabel: AWSPREVIOUS}
            - {objectName: db, objectType: secretsmanager, objectAlias: db-cur}
            """)));

        result.Text("db-prev").Should().Be("previous");
        result.Version("db-prev").Should().Be("v-1");
        result.Text("db-cur").Should().Be("current");
    }

    [Fact]
    public async Task Fetch_SsmVersionsLabelsAndBatchesOfTen()
    {
        await using var aws = await AwsTestContext.StartAsync();
        aws.Server.PutParameter(Region, "/cfg/db", "first", "blue");
        aws.Server.PutParameter(Region, "/cfg/db", "second");
        var yaml = new StringBuilder("""
            - {objectName: /cfg/db, objectType: ssmparameter, objectAlias: db-v1, objectVersion: 1}
            - {objectName: /cfg/db, objectType: ssmparameter, objectAlias: db-blue, objectVersionLabel: blue}
            - {objectName: /cfg/db, objectType: ssmparameter, objectAlias: db-latest}

            """);
        for (var i = 0; i < 20; i++)
        {
            aws.Server.PutParameter(Region, $"p{i}", $"v{i}");
            yaml.AppendLine($"- {{objectName: p{i}, objectType: ssmparameter}}");
        }

        var result = await aws.FetchAsync(AwsTestContext.Request(AwsTestContext.Params(yaml.ToString())));

        result.Text("db-v1").Should().Be("first");
        result.Text("db-blue").Should().Be("first");
        result.Text("db-latest").Should().Be("second");
        result.Version("db-latest").Should().Be("2");
        result.Text("p19").Should().Be("v19");
        aws.Server.Calls("AmazonSSM.GetParameters").Should().Be(3);
    }

    [Fact]
    public async Task Fetch_SsmInvalidParameters_NotFoundListingThem()
    {
        await using var aws = await AwsTestContext.StartAsync();
        aws.Server.PutParameter(Region, "exists", "value-xyz");

        var error = await aws.FailAsync(AwsTestContext.Request(AwsTestContext.Params("""
            - {objectName: exists, objectType: ssmparameter}
            - {objectName: missing-one, objectType: ssmparameter}
            """)));

        error.Kind.Should().Be(FailureKind.NotFound);
        error.Message.Should().Contain("us-east-1: Failed fetching parameters").And.Contain("invalid parameters: missing-one").And.NotContain("value-xyz");
    }

    [Fact]
    public async Task Fetch_SecretMissing_NotFoundWithUpstreamShape()
    {
        await using var aws = await AwsTestContext.StartAsync();

        var error = await aws.FailAsync(AwsTestContext.Request(AwsTestContext.Params("- {objectName: MySecret, objectType: secretsmanager}")));

        error.Kind.Should().Be(FailureKind.NotFound);
        error.Message.Should().Be(
            "SecretProviderClass app/app-secrets: us-east-1: Failed fetching secret MySecret: " +
            error.InnerException!.InnerException!.Message);
        error.Message.Should().Contain("operation error Secrets Manager: GetSecretValue, https response error StatusCode: 400, RequestID: req-")
            .And.Contain("ResourceNotFoundException: Secrets Manager can't find the specified secret.");
    }

    [Fact]
    public async Task Fetch_SecretMissingInBatch_NotFound()
    {
        await using var aws = await AwsTestContext.StartAsync();
        aws.Server.PutSecret(Region, "a", text: "value-a");

        var error = await aws.FailAsync(AwsTestContext.Request(AwsTestContext.Params("""
            - {objectName: a, objectType: secretsmanager}
            - {objectName: gone, objectType: secretsmanager}
            """)));

        error.Kind.Should().Be(FailureKind.NotFound);
        error.Message.Should().Contain("Failed fetching secret gone").And.NotContain("value-a");
    }

    [Fact]
    public async Task Fetch_GetSecretValueDenied_PermissionDenied()
    {
        await using var aws = await AwsTestContext.StartAsync();
        aws.Server.PutSecret(Region, "locked", text: "locked-value");
        aws.Server.GetDenied[(AwsTestContext.RoleArn, "locked")] = true;

        var error = await aws.FailAsync(AwsTestContext.Request(AwsTestContext.Params("- {objectName: locked, objectType: secretsmanager}")));

        error.Kind.Should().Be(FailureKind.PermissionDenied);
        error.Message.Should().Contain("AccessDeniedException").And.NotContain("locked-value");
    }

    [Fact]
    public async Task Fetch_Throttled_RetriedThenSucceeds()
    {
        await using var aws = await AwsTestContext.StartAsync();
        aws.Server.PutSecret(Region, "one", text: "eventually");
        aws.Server.ThrottleNext(2);

        var result = await aws.FetchAsync(AwsTestContext.Request(AwsTestContext.Params("- {objectName: one, objectType: secretsmanager}")));

        result.Text("one").Should().Be("eventually");
        aws.Server.Calls("secretsmanager.GetSecretValue").Should().Be(3);
    }

    [Fact]
    public async Task Fetch_ThrottledBeyondAttempts_Unavailable()
    {
        await using var aws = await AwsTestContext.StartAsync();
        aws.Server.PutSecret(Region, "one", text: "x");
        aws.Server.ThrottleNext(100);

        var error = await aws.FailAsync(AwsTestContext.Request(AwsTestContext.Params("- {objectName: one, objectType: secretsmanager}")));

        error.Kind.Should().Be(FailureKind.Unavailable);
        error.Message.Should().Contain("ThrottlingException");
        aws.Server.Calls("secretsmanager.GetSecretValue").Should().Be(3);
    }

    [Fact]
    public async Task Fetch_Cancelled_DuringBackoff_Stops()
    {
        await using var aws = await AwsTestContext.StartAsync(o =>
        {
            o.Retry = o.Retry with { MaxAttempts = 10, BaseDelay = TimeSpan.FromSeconds(30), MaxDelay = TimeSpan.FromSeconds(30) };
        });
        aws.Server.PutSecret(Region, "one", text: "x");
        aws.Server.ThrottleNext(100);
        using var cancel = new CancellationTokenSource();
        var fetch = aws.Provider.FetchAsync(AwsTestContext.Request(AwsTestContext.Params("- {objectName: one, objectType: secretsmanager}")), cancel.Token);

        await CsiDriver.Tests.Infrastructure.Eventually.TrueAsync(() => aws.Server.Calls("secretsmanager.GetSecretValue") > 0, because: "the first (throttled) call");

        await cancel.CancelAsync();
        await fetch.Invoking(f => f).Should().ThrowAsync<OperationCanceledException>();
    }

    [Fact]
    public async Task Fetch_PrimaryRegionDown_UsesFailoverRegionAndFailoverObject()
    {
        await using var aws = await AwsTestContext.StartAsync();
        aws.Server.RegionsDown[Region] = true;
        aws.Server.PutSecret(AwsTestContext.FailoverRegion, "replica-db", text: "from-failover", versionId: "v-west");
        aws.Server.PutParameter(AwsTestContext.FailoverRegion, "flag", "west-flag");
        var parameters = AwsTestContext.Params("""
            - objectName: arn:aws:secretsmanager:us-east-1:123456789012:secret:db-AbCdEf
              objectAlias: db
              failoverObject:
                objectName: arn:aws:secretsmanager:us-west-2:123456789012:secret:replica-db-AbCdEf
            - {objectName: flag, objectType: ssmparameter}
            """, Region, ("failoverRegion", AwsTestContext.FailoverRegion));

        var result = await aws.FetchAsync(AwsTestContext.Request(parameters));

        result.Text("db").Should().Be("from-failover");
        result.Version("db").Should().Be("v-west");
        result.Text("flag").Should().Be("west-flag");
    }

    [Fact]
    public async Task Fetch_BothRegionsDown_UpstreamAllRegionsMessage()
    {
        await using var aws = await AwsTestContext.StartAsync();
        aws.Server.RegionsDown[Region] = true;
        aws.Server.RegionsDown[AwsTestContext.FailoverRegion] = true;
        var parameters = AwsTestContext.Params("- {objectName: db, objectType: secretsmanager}", Region, ("failoverRegion", AwsTestContext.FailoverRegion));

        var error = await aws.FailAsync(AwsTestContext.Request(parameters));

        error.Kind.Should().Be(FailureKind.Unavailable);
        error.Message.Should().Contain("Failed to fetch secret from all regions. Verify secret exists and required permissions are granted for: db");
    }

    [Fact]
    public async Task Fetch_PrimaryClientError_DoesNotFailOver()
    {
        await using var aws = await AwsTestContext.StartAsync();
        aws.Server.PutSecret(AwsTestContext.FailoverRegion, "db", text: "west");
        var parameters = AwsTestContext.Params("- {objectName: db, objectType: secretsmanager}", Region, ("failoverRegion", AwsTestContext.FailoverRegion));

        var error = await aws.FailAsync(AwsTestContext.Request(parameters));

        error.Kind.Should().Be(FailureKind.NotFound);
        error.Message.Should().StartWith("SecretProviderClass app/app-secrets: us-east-1: Failed fetching secret db");
    }

    [Fact]
    public async Task Fetch_JmesPath_ExtractsKeysWithParentVersion()
    {
        await using var aws = await AwsTestContext.StartAsync();
        aws.Server.PutSecret(Region, "db", text: """{"username": "admin", "pass-word": "p4ss", "hosts": [{"name": "h1"}, {"name": "h2"}]}""", versionId: "v-json");

        var result = await aws.FetchAsync(AwsTestContext.Request(AwsTestContext.Params("""
            - objectName: db
              objectType: secretsmanager
              jmesPath:
                - path: username
                  objectAlias: dbuser
                - path: '"pass-word"'
                  objectAlias: dbpass
                  filePermission: "0400"
                - path: hosts[1].name
                  objectAlias: second/host
            """)));

        result.Text("dbuser").Should().Be("admin");
        result.Text("dbpass").Should().Be("p4ss");
        result.Files.Single(f => f.Path == "dbpass").Mode.Should().Be((UnixFileMode)0x100);
        result.Text("second_host").Should().Be("h2");
        result.Text("db").Should().StartWith("{");
        result.Version("dbuser").Should().Be("v-json");
        result.Version("second_host").Should().Be("v-json");
    }

    [Theory]
    [InlineData("""{"port": 5432}""", "port", "Invalid JMES search result type for path:port. Only string is allowed.")]
    [InlineData("""{"a": "b"}""", "missing", "JMES Path - missing for object alias - out does not point to a valid object.")]
    [InlineData("not json at all", "a", "Invalid JSON used with jmesPath in secret: db.")]
    public async Task Fetch_JmesPathErrors_UpstreamMessages(string secretText, string path, string expected)
    {
        await using var aws = await AwsTestContext.StartAsync();
        aws.Server.PutSecret(Region, "db", text: secretText);

        var error = await aws.FailAsync(AwsTestContext.Request(AwsTestContext.Params($$"""
            - objectName: db
              objectType: secretsmanager
              jmesPath: [{path: {{path}}, objectAlias: out}]
            """)));

        error.Message.Should().EndWith(expected);
        error.Message.Should().NotContain(secretText);
    }

    [Fact]
    public async Task Fetch_ArnWithoutAlias_FileNamedByArn()
    {
        await using var aws = await AwsTestContext.StartAsync();
        var secret = aws.Server.PutSecret(Region, "db", text: "by-arn");

        var result = await aws.FetchAsync(AwsTestContext.Request(AwsTestContext.Params($"- objectName: {secret.Arn}")));

        result.Text("arn:aws:secretsmanager:us-east-1:123456789012:secret:db-AbCdEf").Should().Be("by-arn");
    }
}
