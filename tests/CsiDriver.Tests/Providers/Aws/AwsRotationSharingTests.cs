using System.Text.Json;
using CsiDriver.Providers;
using CsiDriver.Publishing;
using CsiDriver.Tests.Infrastructure;

namespace CsiDriver.Tests.Providers.Aws;

/// <summary>
/// Rotation economics at the provider level: a real <see cref="FetchScope"/> stands for one rotation pass, and
/// the volumes of the pass call <see cref="IProvider.FetchAsync"/> concurrently against the loopback AWS, which
/// counts every value read and DescribeSecret per (principal, object).
/// </summary>
public sealed class AwsRotationSharingTests
{
    private const string Region = AwsTestContext.Region;
    private const string RoleA = AwsTestContext.RoleArn;
    private const string RoleB = "arn:aws:iam::123456789012:role/other-secrets";
    private const string TokenB = "eyJhbGciOiJSUzI1NiJ9.other-sts-token.sig";

    private const string First = """
        - {objectName: s0, objectType: secretsmanager}
        - {objectName: s1, objectType: secretsmanager}
        - {objectName: s2, objectType: secretsmanager}
        - {objectName: /p0, objectType: ssmparameter}
        - {objectName: /p1, objectType: ssmparameter}
        """;

    private const string Second = """
        - {objectName: s1, objectType: secretsmanager}
        - {objectName: s2, objectType: secretsmanager}
        - {objectName: s3, objectType: secretsmanager}
        - {objectName: /p1, objectType: ssmparameter}
        - {objectName: /p2, objectType: ssmparameter}
        """;

    [Fact]
    public async Task Pass_VolumesSharingObjectsAndIdentity_EachObjectReadOncePerIdentity()
    {
        await using var aws = await StartWithTwoRolesAsync();
        var secrets = Enumerable.Range(0, 4).Select(i => aws.Server.PutSecret(Region, $"s{i}", text: $"old-{i}", versionId: $"v{i}-1")).ToList();
        for (var i = 0; i < 3; i++)
        {
            aws.Server.PutParameter(Region, $"/p{i}", $"param-{i}");
        }

        // Six pods as role A (both classes), four as role B (class "second" only), each pod its own volume.
        var volumes = Enumerable.Range(0, 10).Select(i => i < 6
            ? new Volume($"uid-{i}", i % 2 == 0 ? "first" : "second", i % 2 == 0 ? First : Second, "web", AwsTestContext.StsToken)
            : new Volume($"uid-{i}", "second", Second, "other", TokenB)).ToList();
        await PublishAllAsync(aws, volumes);
        for (var i = 0; i < 4; i++)
        {
            secrets[i].AddVersion($"v{i}-2", $"new-{i}", null);
        }

        aws.Server.ResetCounts();
        var before = Snapshot(aws);

        var results = await PassAsync(aws, volumes);

        results.Should().AllSatisfy(r => r.Error.Should().BeNull());
        foreach (var (volume, result) in volumes.Zip(results))
        {
            foreach (var i in volume.ClassName == "first" ? new[] { 0, 1, 2 } : new[] { 1, 2, 3 })
            {
                result.Result!.Text($"s{i}").Should().Be($"new-{i}");
                result.Result!.Version($"s{i}").Should().Be($"v{i}-2");
            }
        }

        // Role A reads s0..s3 and /p0../p2, role B s1..s3 and /p1, /p2: one DescribeSecret and one value read per pair.
        foreach (var name in new[] { "s0", "s1", "s2", "s3" })
        {
            aws.Server.Describes(RoleA, name).Should().Be(1, $"role A describes {name} once");
            aws.Server.ValueReads(RoleA, name).Should().Be(1, $"role A reads {name} once");
        }

        foreach (var name in new[] { "/p0", "/p1", "/p2" })
        {
            aws.Server.ValueReads(RoleA, name).Should().Be(1, $"role A reads {name} once");
        }

        aws.Server.ValueReads(RoleB, "s0").Should().Be(0);
        aws.Server.ValueReads(RoleB, "/p0").Should().Be(0);
        foreach (var name in new[] { "s1", "s2", "s3", "/p1", "/p2" })
        {
            aws.Server.ValueReads(RoleB, name).Should().Be(1, $"role B reads {name} once");
        }

        aws.Server.TotalValueReads.Should().Be(7 + 5);
        aws.Server.Calls("secretsmanager.DescribeSecret").Should().Be(7);
        aws.Server.Calls("STS.AssumeRoleWithWebIdentity").Should().Be(0, "every pod's credentials are still fresh");
        var after = Snapshot(aws);
        Delta(before, after, "describe_secret").Should().Be(7);
        Delta(before, after, "batch_get_secret_value").Should().Be(aws.Server.Calls("secretsmanager.BatchGetSecretValue"));
        Delta(before, after, "get_secret_value").Should().Be(aws.Server.Calls("secretsmanager.GetSecretValue"));
        Delta(before, after, "get_parameters").Should().Be(aws.Server.Calls("AmazonSSM.GetParameters"));
        (Delta(before, after, "batch_get_secret_value") + Delta(before, after, "get_secret_value")).Should().BeInRange(2, 7, "reads are batched per volume, never repeated");
        Delta(before, after, "get_parameters").Should().BeInRange(2, 5);
        Delta(before, after, "assume_role_with_web_identity").Should().Be(0);
    }

    [Fact]
    public async Task Pass_UnchangedSecrets_DescribeOncePerIdentityAndNoValueReads()
    {
        await using var aws = await StartWithTwoRolesAsync();
        for (var i = 0; i < 4; i++)
        {
            aws.Server.PutSecret(Region, $"s{i}", text: $"value-{i}");
        }

        var objects = "- {objectName: s0, objectType: secretsmanager}\n- {objectName: s1, objectType: secretsmanager}";
        var volumes = Enumerable.Range(0, 6).Select(i => new Volume($"uid-{i}", "app", objects, i < 4 ? "web" : "other", i < 4 ? AwsTestContext.StsToken : TokenB)).ToList();
        await PublishAllAsync(aws, volumes);
        aws.Server.ResetCounts();

        var results = await PassAsync(aws, volumes);

        results.Should().AllSatisfy(r => r.Result!.Text("s1").Should().Be("value-1"));
        aws.Server.TotalValueReads.Should().Be(0, "the held versions are current: values come from memory");
        aws.Server.Calls("secretsmanager.DescribeSecret").Should().Be(4, "two secrets, two identities");
        aws.Server.Describes(RoleB, "s0").Should().Be(1);
    }

    [Fact]
    public async Task Pass_ObjectDeniedToOneIdentity_ThatIdentityIsNeverServedTheOthersRead()
    {
        await using var aws = await StartWithTwoRolesAsync();
        var secret = aws.Server.PutSecret(Region, "shared", text: "old-shared");
        var objects = "- {objectName: shared, objectType: secretsmanager}";
        var volumes = new List<Volume>
        {
            new("uid-a1", "alpha", objects, "web", AwsTestContext.StsToken),
            new("uid-b1", "beta", objects, "other", TokenB),
            new("uid-a2", "alpha", objects, "web", AwsTestContext.StsToken),
            new("uid-b2", "beta", objects, "other", TokenB),
        };
        await PublishAllAsync(aws, volumes);
        secret.AddVersion("v-rotated", "rotated-shared-value", null);
        aws.Server.GetDenied[(RoleB, "shared")] = true;
        aws.Server.ResetCounts();

        var results = await PassAsync(aws, volumes);

        results[0].Result!.Text("shared").Should().Be("rotated-shared-value");
        results[2].Result!.Text("shared").Should().Be("rotated-shared-value");
        foreach (var failed in new[] { results[1], results[3] })
        {
            failed.Error!.Kind.Should().Be(FailureKind.PermissionDenied);
            failed.Error.Message.Should().Contain("app/beta").And.Contain("AccessDeniedException").And.NotContain("rotated-shared-value").And.NotContain("old-shared");
        }

        aws.Server.ValueReads(RoleA, "shared").Should().Be(1);
        aws.Server.ValueReads(RoleB, "shared").Should().Be(1, "the refused read is shared by role B's volumes, and only by them");
    }

    [Fact]
    public async Task Pass_StaticKeysSameKeyIdWrongSecret_NotServedTheRightKeysRead()
    {
        await using var aws = await AwsTestContext.StartAsync();
        aws.Server.AddKey("AKIASHAREDKEYID", "the-right-secret-key", "static:AKIASHAREDKEYID");
        aws.Server.PutSecret(Region, "one", text: "static-secret-value");
        var parameters = AwsTestContext.Params("- {objectName: one, objectType: secretsmanager}");
        using var scope = new FetchScope();
        ProviderRequest WithKey(string secretKey, string uid) => AwsTestContext.Request(
            parameters, tokensJson: "", secrets: new Dictionary<string, string> { ["awsAccessKeyId"] = "AKIASHAREDKEYID", ["awsSecretAccessKey"] = secretKey }, podUid: uid) with { FetchScope = scope };

        var right = await aws.FetchAsync(WithKey("the-right-secret-key", "uid-right"));
        var wrong = await aws.FailAsync(WithKey("a-wrong-secret-key", "uid-wrong"));

        right.Text("one").Should().Be("static-secret-value");
        wrong.Kind.Should().Be(FailureKind.PermissionDenied);
        wrong.Message.Should().Contain("InvalidSignatureException").And.NotContain("static-secret-value").And.NotContain("a-wrong-secret-key").And.NotContain("the-right-secret-key");
        aws.Server.Calls("secretsmanager.GetSecretValue").Should().Be(2, "a different secret key is a different identity");
    }

    [Fact]
    public async Task Pass_PinnedVersionsHeld_NoCallsButNewPublishStillReads()
    {
        await using var aws = await AwsTestContext.StartAsync();
        aws.Server.PutSecret(Region, "db", text: "pinned-value", versionId: "v-pin");
        aws.Server.PutSecret(Region, "db", text: "newer-value", versionId: "v-newer");
        aws.Server.PutParameter(Region, "/cfg", "cfg-1");
        aws.Server.PutParameter(Region, "/cfg", "cfg-2");
        var parameters = AwsTestContext.Params("""
            - {objectName: db, objectType: secretsmanager, objectVersion: v-pin}
            - {objectName: /cfg, objectType: ssmparameter, objectVersion: "1", objectAlias: cfg}
            """);
        var held = new List<(string Uid, ProviderResult Result)>();
        for (var i = 0; i < 3; i++)
        {
            held.Add(($"uid-{i}", await aws.FetchAsync(AwsTestContext.Request(parameters, podUid: $"uid-{i}"))));
        }

        aws.Server.ResetCounts();
        var before = Snapshot(aws);
        using (var scope = new FetchScope())
        {
            var pass = await Task.WhenAll(held.Select(h => aws.FetchAsync(AwsTestContext.Request(parameters, current: h.Result.Versions, podUid: h.Uid) with { FetchScope = scope })));
            pass.Should().AllSatisfy(r =>
            {
                r.Text("db").Should().Be("pinned-value");
                r.Text("cfg").Should().Be("cfg-1");
                r.Version("cfg").Should().Be("1");
            });
        }

        aws.Server.TotalCalls("secretsmanager.GetSecretValue", "secretsmanager.BatchGetSecretValue", "secretsmanager.DescribeSecret", "AmazonSSM.GetParameters")
            .Should().Be(0, "pinned versions the volumes hold need no call");
        Snapshot(aws).Values.Sum().Should().Be(before.Values.Sum(), "no backend call was counted either");

        // A new pod of the same identity asking for the same pinned versions is authorised by AWS, not by memory.
        var fresh = await aws.FetchAsync(AwsTestContext.Request(parameters, podUid: "uid-new"));

        fresh.Text("db").Should().Be("pinned-value");
        aws.Server.ValueReads(RoleA, "db").Should().Be(1);
        aws.Server.ValueReads(RoleA, "/cfg:1").Should().Be(1);
    }

    [Fact]
    public async Task Pass_SharedValueReadFails_EveryVolumeFailsNamingItsOwnClass()
    {
        await using var aws = await AwsTestContext.StartAsync();
        var secret = aws.Server.PutSecret(Region, "db", text: "first-password");
        var objects = "- {objectName: db, objectType: secretsmanager}";
        var volumes = new List<Volume>
        {
            new("uid-1", "alpha", objects, "web", AwsTestContext.StsToken),
            new("uid-2", "beta", objects, "web", AwsTestContext.StsToken),
            new("uid-3", "gamma", objects, "web", AwsTestContext.StsToken),
        };
        await PublishAllAsync(aws, volumes);
        secret.AddVersion("v-2", "second-password", null);
        aws.Server.GetDenied[(RoleA, "db")] = true;
        aws.Server.ResetCounts();

        var results = await PassAsync(aws, volumes);

        foreach (var (volume, result) in volumes.Zip(results))
        {
            result.Error!.Kind.Should().Be(FailureKind.PermissionDenied);
            result.Error.Message.Should().StartWith($"SecretProviderClass app/{volume.ClassName}: us-east-1: Failed fetching secret db")
                .And.NotContain("password").And.NotContain(AwsTestContext.StsToken);
        }

        aws.Server.ValueReads(RoleA, "db").Should().Be(1);
    }

    [Fact]
    public async Task Pass_SharedParameterReadMissing_EveryVolumeNotFoundNamingItsOwnClass()
    {
        await using var aws = await AwsTestContext.StartAsync();
        aws.Server.PutParameter(Region, "/app/flag", "flag-value");
        var objects = "- {objectName: /app/flag, objectType: ssmparameter}";
        var volumes = new List<Volume> { new("uid-1", "alpha", objects, "web", AwsTestContext.StsToken), new("uid-2", "beta", objects, "web", AwsTestContext.StsToken) };
        await PublishAllAsync(aws, volumes);
        aws.Server.Parameters[Region].TryRemove("/app/flag", out _);
        aws.Server.ResetCounts();

        var results = await PassAsync(aws, volumes);

        results[0].Error!.Message.Should().StartWith("SecretProviderClass app/alpha: us-east-1: Failed fetching parameters").And.Contain("invalid parameters: /app/flag");
        results[1].Error!.Message.Should().StartWith("SecretProviderClass app/beta: us-east-1: Failed fetching parameters");
        results.Should().AllSatisfy(r => r.Error!.Kind.Should().Be(FailureKind.NotFound));
        aws.Server.ValueReads(RoleA, "/app/flag").Should().Be(1);
    }

    [Fact]
    public async Task Pass_OverlappingSetsOfManySecrets_EachReadOnceInBatches()
    {
        await using var aws = await AwsTestContext.StartAsync();
        for (var i = 0; i < 40; i++)
        {
            aws.Server.PutSecret(Region, $"m{i}", text: $"value-{i}");
        }

        // Eight volumes, each reading 25 consecutive secrets out of 40 (wrapping), so every pair of sets overlaps.
        var volumes = Enumerable.Range(0, 8).Select(v => new Volume(
            $"uid-{v}", $"class-{v}", string.Join('\n', Enumerable.Range(0, 25).Select(k => $"- {{objectName: m{((v * 5) + k) % 40}, objectType: secretsmanager}}")), "web", AwsTestContext.StsToken)).ToList();

        var results = await PassAsync(aws, volumes, held: false);

        results.Should().AllSatisfy(r => r.Result!.Files.Should().HaveCount(25));
        results[7].Result!.Text("m0").Should().Be("value-0");
        for (var i = 0; i < 40; i++)
        {
            aws.Server.ValueReads(RoleA, $"m{i}").Should().Be(1, $"m{i} is read once for every volume");
        }

        (aws.Server.Calls("secretsmanager.BatchGetSecretValue") + aws.Server.Calls("secretsmanager.GetSecretValue")).Should().BeLessThanOrEqualTo(40);
    }

    [Fact]
    public async Task Pass_BatchDenied_SingleReadsStillSharedPerIdentity()
    {
        await using var aws = await AwsTestContext.StartAsync();
        aws.Server.BatchDenied[RoleA] = true;
        aws.Server.PutSecret(Region, "a", text: "A");
        aws.Server.PutSecret(Region, "b", text: "B");
        var objects = "- {objectName: a, objectType: secretsmanager}\n- {objectName: b, objectType: secretsmanager}";
        var volumes = Enumerable.Range(0, 4).Select(i => new Volume($"uid-{i}", "app", objects, "web", AwsTestContext.StsToken)).ToList();

        // One after the other, so the first volume asks for both secrets and tries the batch call.
        var results = await PassAsync(aws, volumes, held: false, concurrent: false);

        results.Should().AllSatisfy(r => r.Result!.Text("b").Should().Be("B"));
        aws.Server.Calls("secretsmanager.GetSecretValue").Should().Be(2);
        aws.Server.Calls("secretsmanager.BatchGetSecretValue").Should().Be(1, "denial is remembered for the principal");
    }

    [Fact]
    public async Task Pass_StaleIrsaCredentials_OneAssumeRolePerServiceAccount()
    {
        await using var aws = await StartWithTwoRolesAsync();
        aws.Server.PutSecret(Region, "one", text: "1");
        var objects = "- {objectName: one, objectType: secretsmanager}";
        var volumes = Enumerable.Range(0, 6).Select(i => new Volume($"uid-{i}", "app", objects, i < 4 ? "web" : "other", i < 4 ? AwsTestContext.StsToken : TokenB)).ToList();
        await PublishAllAsync(aws, volumes);
        aws.Server.Calls("STS.AssumeRoleWithWebIdentity").Should().Be(6, "each new pod's first publish presents its own token");
        var before = Snapshot(aws);

        aws.Time.Advance(TimeSpan.FromMinutes(56)); // every credential is within 5 minutes of expiry
        var stale = await PassAsync(aws, volumes);
        aws.Time.Advance(TimeSpan.FromMinutes(2));
        var next = await PassAsync(aws, volumes);

        stale.Concat(next).Should().AllSatisfy(r => r.Result!.Text("one").Should().Be("1"));
        aws.Server.Calls("STS.AssumeRoleWithWebIdentity").Should().Be(6 + 2, "one per (role, service account) in the stale pass, none in the next");
        Delta(before, Snapshot(aws), "assume_role_with_web_identity").Should().Be(2);

        await aws.FetchAsync(AwsTestContext.Request(AwsTestContext.Params(objects), podUid: "uid-new"));
        aws.Server.Calls("STS.AssumeRoleWithWebIdentity").Should().Be(9, "a new pod is never handed another pod's credentials");
    }

    [Fact]
    public async Task Pass_PodsPublishedAtDifferentTimes_StalePodTakesAFreshOneOfTheSameServiceAccount()
    {
        await using var aws = await AwsTestContext.StartAsync();
        aws.Server.PutSecret(Region, "one", text: "1");
        var objects = "- {objectName: one, objectType: secretsmanager}";
        var early = new Volume("uid-early", "app", objects, "web", AwsTestContext.StsToken);
        var late = new Volume("uid-late", "app", objects, "web", AwsTestContext.StsToken);
        await PublishAllAsync(aws, [early]);
        aws.Time.Advance(TimeSpan.FromMinutes(30));
        await PublishAllAsync(aws, [late]);
        aws.Time.Advance(TimeSpan.FromMinutes(26)); // early's credentials are stale, late's are not

        var results = await PassAsync(aws, [early, late]);

        results.Should().AllSatisfy(r => r.Result!.Text("one").Should().Be("1"));
        aws.Server.Calls("STS.AssumeRoleWithWebIdentity").Should().Be(2, "the stale pod uses the credentials its service account already holds");
    }

    [Fact]
    public async Task Republish_MoreVolumesThanADefaultTokenCacheHolds_EveryPodKeepsItsOwnCredentials()
    {
        await using var aws = await AwsTestContext.StartAsync();
        aws.Server.PutSecret(Region, "one", text: "1");
        var objects = "- {objectName: one, objectType: secretsmanager}";
        var volumes = Enumerable.Range(0, 1100).Select(i => new Volume($"uid-{i}", "app", objects, "web", AwsTestContext.StsToken)).ToList();
        await PublishAllAsync(aws, volumes);
        aws.Server.Calls("STS.AssumeRoleWithWebIdentity").Should().Be(1100, "each pod's first publish presents its own token");
        aws.Time.Advance(TimeSpan.FromMinutes(30));

        // Outside a pass each pod uses only its own credentials: an evicted pod would assume the role again.
        await PublishAllAsync(aws, volumes);

        aws.Server.Calls("STS.AssumeRoleWithWebIdentity").Should().Be(1100, "1,100 pods' credentials (and their service account's) are all still held and fresh");
    }

    [Fact]
    public async Task Pass_StalePodIdentityCredentials_OneAgentCallPerServiceAccount()
    {
        await using var aws = await AwsTestContext.StartAsync();
        aws.Server.PutSecret(Region, "one", text: "via-agent");
        var objects = "- {objectName: one, objectType: secretsmanager}";
        var extra = new (string, string)[] { ("usePodIdentity", "true") };
        var volumes = Enumerable.Range(0, 3).Select(i => new Volume($"uid-{i}", "app", objects, "web", AwsTestContext.StsToken, extra)).ToList();
        await PublishAllAsync(aws, volumes);
        aws.Time.Advance(TimeSpan.FromMinutes(56));

        var results = await PassAsync(aws, volumes);

        results.Should().AllSatisfy(r => r.Result!.Text("one").Should().Be("via-agent"));
        aws.Server.Calls("PodIdentity.GetCredentials").Should().Be(3 + 1);
        aws.BackendCalls("pod_identity_credentials").Should().Be(4);
        aws.Server.Calls("STS.AssumeRoleWithWebIdentity").Should().Be(0);
    }

    [Fact]
    public async Task Pass_StsRefusesTheSharedAssumeRole_EveryVolumeFailsNamingItsOwnClassAndPod()
    {
        await using var aws = await AwsTestContext.StartAsync();
        aws.Server.PutSecret(Region, "one", text: "never-read");
        var objects = "- {objectName: one, objectType: secretsmanager}";
        var volumes = new List<Volume> { new("uid-1", "alpha", objects, "web", AwsTestContext.StsToken), new("uid-2", "beta", objects, "web", AwsTestContext.StsToken) };
        await PublishAllAsync(aws, volumes);
        aws.Server.Roles.TryRemove(RoleA, out _);
        aws.Time.Advance(TimeSpan.FromMinutes(56));
        aws.Server.ResetCounts();

        var results = await PassAsync(aws, volumes);

        results[0].Error!.Message.Should().StartWith("SecretProviderClass app/alpha: cannot get AWS credentials for pod app/web-0").And.Contain("AccessDenied");
        results[1].Error!.Message.Should().StartWith("SecretProviderClass app/beta: cannot get AWS credentials");
        results.Should().AllSatisfy(r => r.Error!.Message.Should().NotContain(AwsTestContext.StsToken));
        aws.Server.Calls("STS.AssumeRoleWithWebIdentity").Should().Be(1);
    }

    [Fact]
    public async Task Pass_VolumeCancelledWhileAnotherReadsForIt_StopsWaitingAndTheReadServesTheOthers()
    {
        await using var aws = await AwsTestContext.StartAsync();
        aws.Server.PutSecret(Region, "db", text: "db-value");
        var parameters = AwsTestContext.Params("- {objectName: db, objectType: secretsmanager}");
        using var scope = new FetchScope();
        ProviderRequest For(string uid) => AwsTestContext.Request(parameters, podUid: uid) with { FetchScope = scope };
        aws.Server.Hold();
        var reader = aws.Provider.FetchAsync(For("uid-1"), CancellationToken.None);
        await Eventually.TrueAsync(() => aws.Server.Held == 1, because: "the shared read to reach AWS and hang there");

        using var cancel = new CancellationTokenSource();
        var waiter = aws.Provider.FetchAsync(For("uid-2"), cancel.Token);
        await cancel.CancelAsync();
        await FluentActions.Awaiting(() => waiter).Should().ThrowAsync<OperationCanceledException>();
        var late = aws.Provider.FetchAsync(For("uid-3"), CancellationToken.None);
        aws.Server.Release();

        (await reader).Text("db").Should().Be("db-value");
        (await late).Text("db").Should().Be("db-value");
        aws.Server.ValueReads(RoleA, "db").Should().Be(1);
    }

    [Fact]
    public async Task Fetch_EveryHttpCall_CountedAsBackendCall()
    {
        await using var aws = await AwsTestContext.StartAsync();
        aws.Server.PutSecret("eu-west-1", "a", text: "A");
        aws.Server.PutSecret("eu-west-1", "b", text: "B");
        aws.Server.PutParameter("eu-west-1", "/p", "P");
        aws.Server.ThrottleNext(1);
        var parameters = AwsTestContext.Params("""
            - {objectName: a, objectType: secretsmanager}
            - {objectName: b, objectType: secretsmanager, objectVersionLabel: AWSCURRENT}
            - {objectName: /p, objectType: ssmparameter}
            """, region: null);

        var first = await aws.FetchAsync(AwsTestContext.Request(parameters));
        await aws.FetchAsync(AwsTestContext.Request(parameters, current: first.Versions));

        aws.BackendCalls("imds_token").Should().Be(1);
        aws.BackendCalls("imds_region").Should().Be(1);
        aws.BackendCalls("assume_role_with_web_identity").Should().Be(1);
        aws.BackendCalls("get_secret_value").Should().Be(aws.Server.Calls("secretsmanager.GetSecretValue")).And.BeGreaterThan(0);
        aws.BackendCalls("describe_secret").Should().Be(2);
        aws.BackendCalls("get_parameters").Should().Be(2);
        aws.Server.Calls("AmazonSSM.GetParameters").Should().Be(2);
        (aws.BackendCalls("get_secret_value") + aws.BackendCalls("batch_get_secret_value") + aws.BackendCalls("get_parameters") + aws.BackendCalls("describe_secret"))
            .Should().Be(aws.Server.TotalCalls("secretsmanager.GetSecretValue", "secretsmanager.BatchGetSecretValue", "AmazonSSM.GetParameters", "secretsmanager.DescribeSecret"),
                "a throttled attempt is a call too");
    }

    private static async Task<AwsTestContext> StartWithTwoRolesAsync()
    {
        var aws = await AwsTestContext.StartAsync();
        aws.Lookup.Annotations["app/other"] = new() { ["eks.amazonaws.com/role-arn"] = RoleB };
        aws.Server.Roles[RoleB] = TokenB;
        return aws;
    }

    /// <summary>Each volume's first publish (no pass, nothing held); remembers the versions it got.</summary>
    private static async Task PublishAllAsync(AwsTestContext aws, IEnumerable<Volume> volumes)
    {
        foreach (var volume in volumes)
        {
            volume.Held = (await aws.FetchAsync(volume.Request(null))).Versions;
        }
    }

    /// <summary>One rotation pass: every volume fetches concurrently in one scope, holding what it was published with.</summary>
    private static async Task<List<Outcome>> PassAsync(AwsTestContext aws, IReadOnlyList<Volume> volumes, bool held = true, bool concurrent = true)
    {
        using var scope = new FetchScope();
        if (!concurrent)
        {
            var sequential = new List<Outcome>();
            foreach (var volume in volumes)
            {
                sequential.Add(await FetchOneAsync(volume));
            }

            return sequential;
        }

        return [.. await Task.WhenAll(volumes.Select(FetchOneAsync))];

        async Task<Outcome> FetchOneAsync(Volume volume)
        {
            try
            {
                var result = await aws.FetchAsync(volume.Request(held ? volume.Held : null) with { FetchScope = scope });
                volume.Held = result.Versions;
                return new Outcome(result, null);
            }
            catch (SecretStoreException ex)
            {
                return new Outcome(null, ex);
            }
        }
    }

    private static Dictionary<string, long> Snapshot(AwsTestContext aws) =>
        new[] { "describe_secret", "get_secret_value", "batch_get_secret_value", "get_parameters", "assume_role_with_web_identity", "pod_identity_credentials", "imds_token", "imds_region" }
            .ToDictionary(c => c, aws.BackendCalls);

    private static long Delta(Dictionary<string, long> before, Dictionary<string, long> after, string call) => after[call] - before[call];

    private static string Tokens(string stsToken) => JsonSerializer.Serialize(new Dictionary<string, object>
    {
        ["sts.amazonaws.com"] = new { token = stsToken, expirationTimestamp = "2030-01-01T00:00:00Z" },
        ["pods.eks.amazonaws.com"] = new { token = AwsTestContext.PodIdentityToken, expirationTimestamp = "2030-01-01T00:00:00Z" },
    });

    private sealed record Outcome(ProviderResult? Result, SecretStoreException? Error);

    /// <summary>One published volume: its pod, class, service account and the versions it holds.</summary>
    private sealed class Volume(string podUid, string className, string objects, string serviceAccount, string stsToken, (string Key, string Value)[]? extra = null)
    {
        public string ClassName { get; } = className;

        public IReadOnlyList<ObjectVersion>? Held { get; set; }

        public ProviderRequest Request(IReadOnlyList<ObjectVersion>? current) => AwsTestContext.Request(
            AwsTestContext.Params(objects, Region, extra ?? []), tokensJson: Tokens(stsToken), current: current, podUid: podUid, className: ClassName, serviceAccount: serviceAccount);
    }
}
