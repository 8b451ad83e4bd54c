using CsiDriver.Publishing;
using static CsiDriver.Tests.Providers.Azure.AzureTestKit;

namespace CsiDriver.Tests.Providers.Azure;

public sealed class AzureAuthTests : IAsyncLifetime
{
    private FakeAzure _fake = null!;

    public async Task InitializeAsync()
    {
        _fake = await FakeAzure.StartAsync();
        _fake.FederatedClients[WorkloadClient] = PodToken;
        _fake.SecretClients[SpClient] = SpSecret;
    }

    public async Task DisposeAsync() => await _fake.DisposeAsync();

    [Fact]
    public async Task Fetch_WorkloadIdentity_ChallengeThenAssertionExchangeThenSecret()
    {
        var version = _fake.AddSecret("db-password", "s3cr3t-value");
        using var provider = Provider(_fake);

        var result = await provider.FetchAsync(Request(WorkloadParameters(Objects("objectName: db-password\nobjectType: secret"))), CancellationToken.None);

        result.Text("db-password").Should().Be("s3cr3t-value");
        result.Versions.Should().Equal(new CsiDriver.Providers.ObjectVersion("secret/db-password", version));
        var requests = _fake.VaultRequests.ToList();
        requests[0].Authorized.Should().BeFalse("the first request discovers the scope through the 401 challenge");
        requests[0].PathAndQuery.Should().Be("/secrets/db-password?api-version=7.4");
        requests[1].Authorized.Should().BeTrue();
        var form = _fake.TokenForms.Single();
        form["grant_type"].Should().Be("client_credentials");
        form["client_id"].Should().Be(WorkloadClient);
        form["scope"].Should().Be("https://vault.azure.net/.default");
        form["client_assertion_type"].Should().Be("urn:ietf:params:oauth:client-assertion-type:jwt-bearer");
        form["client_assertion"].Should().Be(PodToken);
        form.Should().NotContainKey("client_secret");
    }

    [Fact]
    public async Task Fetch_ChallengeWithScopeParameter_TokenForThatScope()
    {
        _fake.ChallengeWithScope = true;
        _fake.AddSecret("a", "1");
        using var provider = Provider(_fake);

        var result = await provider.FetchAsync(Request(WorkloadParameters(Objects("objectName: a\nobjectType: secret"))), CancellationToken.None);

        result.Text("a").Should().Be("1");
        _fake.TokenForms.Single()["scope"].Should().Be("https://vault.azure.net/.default");
    }

    [Fact]
    public async Task Fetch_TwoMounts_TokenAndScopeCachedUntilShortlyBeforeExpiry()
    {
        _fake.AddSecret("a", "1");
        var time = new ManualTime();
        using var provider = Provider(_fake, time);
        var request = Request(WorkloadParameters(Objects("objectName: a\nobjectType: secret")));

        await provider.FetchAsync(request, CancellationToken.None);
        time.Advance(TimeSpan.FromMinutes(50));
        await provider.FetchAsync(request, CancellationToken.None);

        _fake.TokenForms.Should().HaveCount(1);
        _fake.VaultRequests.Count(r => !r.Authorized).Should().Be(1, "the challenged scope is remembered per vault");

        time.Advance(TimeSpan.FromMinutes(6)); // 56 min: inside the 5-minute margin of a 3599 s token
        await provider.FetchAsync(request, CancellationToken.None);
        _fake.TokenForms.Should().HaveCount(2);
    }

    [Fact]
    public async Task Fetch_SameServiceAccountNewPodToken_AadTokenReusedWithinLifetime()
    {
        _fake.AddSecret("a", "1");
        var metrics = Metrics();
        using var provider = Provider(_fake, metrics: metrics);
        _fake.Federate(WorkloadClient, "eyJ.second-pod-token.sig");

        await provider.FetchAsync(Request(WorkloadParameters(Objects("objectName: a\nobjectType: secret"))), CancellationToken.None);
        await provider.FetchAsync(Request(WorkloadParameters(Objects("objectName: a\nobjectType: secret")), TokensJson("eyJ.second-pod-token.sig"), podName: "app-1"), CancellationToken.None);

        _fake.TokenForms.Select(f => f["client_assertion"]).Should().Equal([PodToken], "the federated credential trusts the service account, which both pods run as");
        metrics.Calls("token").Should().Be(1);
    }

    [Fact]
    public async Task Fetch_OtherServiceAccountSameClient_ExchangesItsOwnAssertion()
    {
        _fake.AddSecret("a", "1");
        using var provider = Provider(_fake);
        await provider.FetchAsync(Request(WorkloadParameters(Objects("objectName: a\nobjectType: secret"))), CancellationToken.None);

        // No federated credential for this service account: Entra ID refuses it, and no cached token stands in.
        var act = () => provider.FetchAsync(Request(WorkloadParameters(Objects("objectName: a\nobjectType: secret")), TokensJson("eyJ.other-sa-token.sig"), serviceAccount: "other"), CancellationToken.None);

        var ex = (await act.Should().ThrowAsync<SecretStoreException>()).Which;
        ex.Kind.Should().Be(FailureKind.PermissionDenied);
        ex.Message.Should().Contain("AADSTS700213");
        ex.ShouldBeClean(_fake, "eyJ.other-sa-token.sig");
        _fake.TokenForms.Select(f => f["client_assertion"]).Should().Equal(PodToken, "eyJ.other-sa-token.sig");
    }

    [Fact]
    public async Task Fetch_NoServiceAccountName_EachPodTokenExchanged()
    {
        _fake.AddSecret("a", "1");
        _fake.Federate(WorkloadClient, "eyJ.second-pod-token.sig");
        using var provider = Provider(_fake);

        await provider.FetchAsync(Request(WorkloadParameters(Objects("objectName: a\nobjectType: secret")), serviceAccount: string.Empty), CancellationToken.None);
        await provider.FetchAsync(Request(WorkloadParameters(Objects("objectName: a\nobjectType: secret")), TokensJson("eyJ.second-pod-token.sig"), serviceAccount: string.Empty), CancellationToken.None);

        _fake.TokenForms.Select(f => f["client_assertion"]).Should().Equal(PodToken, "eyJ.second-pod-token.sig");
    }

    [Fact]
    public async Task Fetch_ClientSecretSameClientOtherSecret_NotServedTheCachedToken()
    {
        _fake.AddSecret("a", "1");
        using var provider = Provider(_fake);
        var parameters = new Dictionary<string, string> { ["keyvaultName"] = FakeAzure.VaultName, ["tenantID"] = FakeAzure.Tenant, ["objects"] = Objects("objectName: a\nobjectType: secret") };
        await provider.FetchAsync(Request(parameters, secrets: new() { ["clientid"] = SpClient, ["clientsecret"] = SpSecret }), CancellationToken.None);

        var act = () => provider.FetchAsync(Request(parameters, secrets: new() { ["clientid"] = SpClient, ["clientsecret"] = "guessed-secret-value" }, className: "intruder"), CancellationToken.None);

        var ex = (await act.Should().ThrowAsync<SecretStoreException>()).Which;
        ex.Kind.Should().Be(FailureKind.PermissionDenied);
        ex.Message.Should().Contain("default/intruder").And.Contain("AADSTS7000215").And.NotContain("guessed-secret-value");
        _fake.TokenForms.Should().HaveCount(2);
    }

    [Fact]
    public async Task Fetch_ManyVolumesOfOneServiceAccountAtOnce_OneTokenCall()
    {
        for (var i = 0; i < 4; i++)
        {
            _fake.AddSecret($"s{i}", $"v{i}");
        }

        var metrics = Metrics();
        var time = new ManualTime();
        using var fresh = Provider(_fake, time, metrics: metrics);
        var fetches = Enumerable.Range(0, 8).Select(i =>
        {
            var token = $"eyJ.pod-{i}.sig";
            _fake.Federate(WorkloadClient, token);
            var objects = Objects(Enumerable.Range(0, 4).Select(n => $"objectName: s{n}\nobjectType: secret").ToArray());
            return fresh.FetchAsync(Request(WorkloadParameters(objects), TokensJson(token), podName: $"pod-{i}"), CancellationToken.None);
        }).ToList();

        await Task.WhenAll(fetches);

        metrics.Calls("token").Should().Be(1, "eight concurrent fetches of one service account share one token call");
        time.Advance(TimeSpan.FromMinutes(56));
        await fresh.FetchAsync(Request(WorkloadParameters(Objects("objectName: s0\nobjectType: secret")), TokensJson("eyJ.pod-0.sig"), podName: "pod-0"), CancellationToken.None);
        metrics.Calls("token").Should().Be(2, "a token is fetched again near the end of its lifetime");
    }

    [Fact]
    public async Task Fetch_AssertionRejected_PermissionDeniedWithAadstsCodeAndNoToken()
    {
        _fake.AddSecret("a", "1");
        _fake.FederatedClients[WorkloadClient] = "some-other-token";
        using var provider = Provider(_fake);

        var act = () => provider.FetchAsync(Request(WorkloadParameters(Objects("objectName: a\nobjectType: secret"))), CancellationToken.None);

        var ex = (await act.Should().ThrowAsync<SecretStoreException>()).Which;
        ex.Kind.Should().Be(FailureKind.PermissionDenied);
        ex.Message.Should().Contain("AADSTS700213").And.Contain("invalid_client").And.Contain(WorkloadClient).And.Contain("HTTP 401");
        ex.ShouldBeClean(_fake);
    }

    [Theory]
    [InlineData(null, "service account tokens not found")]
    [InlineData("{\"vault\":{\"token\":\"eyJ.other\",\"expirationTimestamp\":\"2026-01-01T00:00:00Z\"}}", "failed to parse workload identity tokens, error: token for audience api://AzureADTokenExchange not found")]
    public async Task Fetch_ClientIdWithoutExchangeToken_FailsWithoutFallingBackOrCallingOut(string? tokens, string expected)
    {
        _fake.AddSecret("a", "1");
        using var provider = Provider(_fake);

        var act = () => provider.FetchAsync(Request(WorkloadParameters(Objects("objectName: a\nobjectType: secret")), tokens, secrets: new() { ["clientid"] = SpClient, ["clientsecret"] = SpSecret }), CancellationToken.None);

        var ex = (await act.Should().ThrowAsync<SecretStoreException>()).Which;
        ex.Message.Should().Contain(expected);
        ex.Kind.Should().Be(FailureKind.PermissionDenied);
        _fake.TokenForms.Should().BeEmpty();
        _fake.VaultRequests.Should().BeEmpty();
        ex.ShouldBeClean(_fake);
    }

    [Fact]
    public async Task Fetch_NodePublishSecretRef_ClientSecretFlowWithCaseInsensitiveKeys()
    {
        _fake.AddSecret("a", "1");
        using var provider = Provider(_fake);
        var parameters = WorkloadParameters(Objects("objectName: a\nobjectType: secret"));
        parameters.Remove("clientID");

        var result = await provider.FetchAsync(Request(parameters, secrets: new() { ["ClientID"] = SpClient, ["ClientSecret"] = SpSecret }), CancellationToken.None);

        result.Text("a").Should().Be("1");
        var form = _fake.TokenForms.Single();
        form["client_id"].Should().Be(SpClient);
        form["client_secret"].Should().Be(SpSecret);
        form.Should().NotContainKey("client_assertion");
    }

    [Fact]
    public async Task Fetch_WrongClientSecret_PermissionDeniedWithoutTheSecret()
    {
        _fake.AddSecret("a", "1");
        using var provider = Provider(_fake);
        var parameters = WorkloadParameters(Objects("objectName: a\nobjectType: secret"));
        parameters.Remove("clientID");

        var act = () => provider.FetchAsync(Request(parameters, secrets: new() { ["clientid"] = SpClient, ["clientsecret"] = "wrong-secret-value-123" }), CancellationToken.None);

        var ex = (await act.Should().ThrowAsync<SecretStoreException>()).Which;
        ex.Kind.Should().Be(FailureKind.PermissionDenied);
        ex.Message.Should().Contain("AADSTS7000215");
        ex.ShouldBeClean(_fake, "wrong-secret-value-123");
    }

    [Theory]
    [InlineData(false, false, "failed to get credentials, nodePublishSecretRef secret is not set")]
    [InlineData(true, false, "could not find clientsecret in nodePublishSecretRef secret (keys: clientid)")]
    [InlineData(false, true, "could not find clientid in nodePublishSecretRef secret (keys: clientsecret)")]
    public async Task Fetch_NoIdentityAndIncompleteSecret_ClearErrorNamingKeysNotValues(bool withId, bool withSecret, string expected)
    {
        using var provider = Provider(_fake);
        var parameters = WorkloadParameters(Objects("objectName: a\nobjectType: secret"));
        parameters.Remove("clientID");
        var secrets = new Dictionary<string, string>();
        if (withId)
        {
            secrets["clientid"] = SpClient;
        }

        if (withSecret)
        {
            secrets["clientsecret"] = SpSecret;
        }

        var act = () => provider.FetchAsync(Request(parameters, secrets: secrets), CancellationToken.None);

        var ex = (await act.Should().ThrowAsync<SecretStoreException>()).Which;
        ex.Message.Should().Contain(expected);
        ex.ShouldBeClean(_fake);
    }

    [Theory]
    [InlineData("", "IMDS client_id=")]
    [InlineData("33333333-aaaa-bbbb-cccc-333333333333", "IMDS client_id=33333333-aaaa-bbbb-cccc-333333333333")]
    public async Task Fetch_VmManagedIdentity_ImdsWithMetadataHeaderAndOptionalClientId(string userAssigned, string expectedLog)
    {
        _fake.AddSecret("a", "1");
        using var provider = Provider(_fake);
        var parameters = WorkloadParameters(Objects("objectName: a\nobjectType: secret"));
        parameters.Remove("clientID");
        parameters["useVMManagedIdentity"] = "true";
        parameters["userAssignedIdentityID"] = userAssigned;

        var result = await provider.FetchAsync(Request(parameters), CancellationToken.None);

        result.Text("a").Should().Be("1");
        _fake.Log.Should().Contain(expectedLog);
        _fake.TokenForms.Should().BeEmpty();
    }

    [Fact]
    public async Task Fetch_PodIdentity_NmiCalledWithPodHeaders()
    {
        _fake.AddSecret("a", "1");
        using var provider = Provider(_fake);
        var parameters = WorkloadParameters(Objects("objectName: a\nobjectType: secret"));
        parameters.Remove("clientID");
        parameters["usePodIdentity"] = "True";

        var result = await provider.FetchAsync(Request(parameters, podName: "web-7"), CancellationToken.None);

        result.Text("a").Should().Be("1");
        _fake.Log.Should().Contain("NMI default/web-7");
    }

    [Fact]
    public async Task Fetch_PodIdentityUnbound_UpstreamNmiStatusError()
    {
        using var provider = Provider(_fake);
        var parameters = WorkloadParameters(Objects("objectName: a\nobjectType: secret"));
        parameters.Remove("clientID");
        parameters["usePodIdentity"] = "true";

        var act = () => provider.FetchAsync(Request(parameters, podName: "unbound"), CancellationToken.None);

        var ex = (await act.Should().ThrowAsync<SecretStoreException>()).Which;
        ex.Message.Should().Contain("nmi response failed with status code: 404");
        ex.ShouldBeClean(_fake);
    }

    [Fact]
    public async Task Fetch_PodAndVmIdentityBoth_UpstreamConflictError()
    {
        using var provider = Provider(_fake);
        var parameters = WorkloadParameters(Objects("objectName: a\nobjectType: secret"));
        parameters["usePodIdentity"] = "true";
        parameters["useVMManagedIdentity"] = "1";

        var act = () => provider.FetchAsync(Request(parameters), CancellationToken.None);

        (await act.Should().ThrowAsync<SecretStoreException>()).Which.Message.Should().Contain("cannot enable both pod identity and user-assigned managed identity");
    }

    [Fact]
    public async Task Fetch_ChallengeForForeignResource_RefusedBeforeAnyTokenRequest()
    {
        _fake.ChallengeResource = "https://attacker.example";
        _fake.AddSecret("a", "1");
        using var provider = Provider(_fake);

        var act = () => provider.FetchAsync(Request(WorkloadParameters(Objects("objectName: a\nobjectType: secret"))), CancellationToken.None);

        var ex = (await act.Should().ThrowAsync<SecretStoreException>()).Which;
        ex.Kind.Should().Be(FailureKind.PermissionDenied);
        ex.Message.Should().Contain("attacker.example").And.Contain("kv-test.vault.azure.net");
        _fake.TokenForms.Should().BeEmpty();
    }

    [Fact]
    public async Task Fetch_SovereignCloud_ChallengeCheckedAgainstThatCloudsVaultHost()
    {
        _fake.ChallengeResource = "https://vault.usgovcloudapi.net";
        _fake.AddSecret("a", "1");
        using var provider = Provider(_fake);
        var parameters = WorkloadParameters(Objects("objectName: a\nobjectType: secret"));
        parameters["cloudName"] = "AzureUSGovernmentCloud";

        var result = await provider.FetchAsync(Request(parameters), CancellationToken.None);
        result.Text("a").Should().Be("1");
        _fake.TokenForms.Single()["scope"].Should().Be("https://vault.usgovcloudapi.net/.default");

        // The same server's public-cloud challenge does not match a US Gov vault.
        parameters["cloudName"] = "AzureChinaCloud";
        var act = () => provider.FetchAsync(Request(parameters), CancellationToken.None);
        (await act.Should().ThrowAsync<SecretStoreException>()).Which.Message.Should().Contain("not a parent domain");
    }

    [Fact]
    public async Task Fetch_ServerCertificateFromUntrustedCa_TlsFailureNotAccepted()
    {
        _fake.AddSecret("a", "1");
        var otherCa = TestPki.CreateCa("some other ca");
        using var provider = Provider(_fake, tweak: o => o with { Handler = TestPki.TrustingOnly(otherCa) });

        var act = () => provider.FetchAsync(Request(WorkloadParameters(Objects("objectName: a\nobjectType: secret"))), CancellationToken.None);

        var ex = (await act.Should().ThrowAsync<SecretStoreException>()).Which;
        ex.Kind.Should().Be(FailureKind.Unavailable);
        ex.Message.Should().Contain("TLS handshake");
    }

    [Fact]
    public async Task Fetch_DefaultHandlerAgainstTestCa_RefusedBySystemTrust()
    {
        _fake.AddSecret("a", "1");
        using var provider = Provider(_fake, tweak: o => o with { Handler = null });

        var act = () => provider.FetchAsync(Request(WorkloadParameters(Objects("objectName: a\nobjectType: secret"))), CancellationToken.None);

        (await act.Should().ThrowAsync<SecretStoreException>()).Which.Message.Should().Contain("TLS handshake");
    }

    [Fact]
    public async Task Fetch_VaultRejectsToken_PermissionDenied401WithoutToken()
    {
        _fake.AddSecret("a", "1");
        _fake.RejectTokens = true;
        using var provider = Provider(_fake);

        var act = () => provider.FetchAsync(Request(WorkloadParameters(Objects("objectName: a\nobjectType: secret"))), CancellationToken.None);

        var ex = (await act.Should().ThrowAsync<SecretStoreException>()).Which;
        ex.Kind.Should().Be(FailureKind.PermissionDenied);
        ex.Message.Should().Contain("RESPONSE 401: 401 Unauthorized, ERROR CODE: Unauthorized");
        ex.ShouldBeClean(_fake);
    }

    [Fact]
    public async Task Fetch_VaultChallengesForNewScopeAfterCaching_FollowsOnce()
    {
        _fake.AddSecret("a", "1");
        using var provider = Provider(_fake);
        var request = Request(WorkloadParameters(Objects("objectName: a\nobjectType: secret")));
        await provider.FetchAsync(request, CancellationToken.None);
        _fake.ChallengeResource = "https://azure.net"; // still a parent domain of kv-test.vault.azure.net

        var result = await provider.FetchAsync(request, CancellationToken.None);

        result.Text("a").Should().Be("1");
        _fake.TokenForms.Select(f => f["scope"]).Should().Equal("https://vault.azure.net/.default", "https://azure.net/.default");
    }
}
