using System.Security.Cryptography;
using System.Text.Json.Nodes;
using CsiDriver.Providers;
using CsiDriver.Publishing;
using static CsiDriver.Tests.Providers.Azure.AzureTestKit;

namespace CsiDriver.Tests.Providers.Azure;

/// <summary>
/// The provider's side of a rotation pass, called directly: fetches that share one <see cref="FetchScope"/>
/// (as the volumes of one pass do) and the volume's current versions, against the loopback Key Vault.
/// </summary>
public sealed class AzureSharedReadTests : IAsyncLifetime
{
    private const string Identity = "aad:" + WorkloadClient;
    private FakeAzure _fake = null!;

    public async Task InitializeAsync()
    {
        _fake = await FakeAzure.StartAsync();
        _fake.FederatedClients[WorkloadClient] = PodToken;
        _fake.SecretClients[SpClient] = SpSecret;
    }

    public async Task DisposeAsync() => await _fake.DisposeAsync();

    [Theory]
    [InlineData("denied", FailureKind.PermissionDenied, "RESPONSE 403: 403 Forbidden, ERROR CODE: Forbidden (ForbiddenByRbac)")]
    [InlineData("broken", FailureKind.Unavailable, "RESPONSE 502")]
    [InlineData("missing", FailureKind.NotFound, "RESPONSE 404: 404 Not Found, ERROR CODE: SecretNotFound")]
    public async Task Scope_SharedReadFails_EveryVolumeFailsNamingItsOwnClassWithoutSecret(string name, FailureKind kind, string expected)
    {
        _fake.AddSecret("good", "good-s3cr3t");
        using var provider = Provider(_fake);
        await WarmAsync(provider);
        using var scope = new FetchScope();
        var objects = Objects("objectName: good\nobjectType: secret", $"objectName: {name}\nobjectType: secret");
        var before = _fake.VaultReads.Count;

        var failures = new List<SecretStoreException>();
        foreach (var cls in new[] { "app-one", "app-two", "app-three" })
        {
            var act = () => provider.FetchAsync(Request(WorkloadParameters(objects), className: cls, podName: "pod-" + cls, scope: scope), CancellationToken.None);
            failures.Add((await act.Should().ThrowAsync<SecretStoreException>()).Which);
        }

        _fake.VaultReads.Skip(before).Count(r => r.Path == $"/secrets/{name}").Should().Be(1, "the failed read is shared, not repeated per volume");
        _fake.VaultReads.Skip(before).Count(r => r.Path == "/secrets/good").Should().Be(1);
        foreach (var (ex, cls) in failures.Zip(new[] { "app-one", "app-two", "app-three" }))
        {
            ex.Kind.Should().Be(kind);
            ex.Message.Should().StartWith($"SecretProviderClass default/{cls}: failed to mount objects, error: failed to get objectType:secret, objectName:{name}, objectVersion:: {expected}");
            ex.Message.Should().NotContain("good-s3cr3t").And.NotContain(PodToken);
            ex.Reason.Should().Be(kind == FailureKind.NotFound ? "AzureObjectNotFound" : "AzureKeyVaultError");
            foreach (var other in new[] { "app-one", "app-two", "app-three" }.Where(o => o != cls))
            {
                ex.Message.Should().NotContain(other);
            }
        }
    }

    [Fact]
    public async Task Scope_SharedTokenFailure_EachVolumeNamesItsOwnClass()
    {
        _fake.AddSecret("a", "1");
        _fake.FederatedClients[WorkloadClient] = "not-this-pods-token";
        using var provider = Provider(_fake);
        using var scope = new FetchScope();

        var one = (await provider.Awaiting(p => p.FetchAsync(Request(WorkloadParameters(Objects("objectName: a\nobjectType: secret")), className: "one", scope: scope), CancellationToken.None)).Should().ThrowAsync<SecretStoreException>()).Which;
        var two = (await provider.Awaiting(p => p.FetchAsync(Request(WorkloadParameters(Objects("objectName: a\nobjectType: secret")), className: "two", scope: scope), CancellationToken.None)).Should().ThrowAsync<SecretStoreException>()).Which;

        one.Message.Should().StartWith("SecretProviderClass default/one: failed to mount objects, error: failed to get key vault token: ").And.Contain("AADSTS700213");
        two.Message.Should().StartWith("SecretProviderClass default/two: failed to mount objects, error: failed to get key vault token: ");
        one.Reason.Should().Be("AzureAuthFailed");
        one.Message.Should().NotContain(PodToken).And.NotContain("not-this-pods-token");
        _fake.TokenForms.Should().HaveCount(1, "the failed read, token call included, is shared within the scope");
    }

    [Fact]
    public async Task Scope_OtherIdentitySameObject_NeverServedTheFirstIdentitysRead()
    {
        const string clientB = "bbbbbbbb-0000-0000-0000-00000000000b";
        _fake.AddSecret("shared", "shared-s3cr3t");
        _fake.Federate(clientB, "eyJ.pod-b.sig");
        _fake.Deny("aad:" + clientB, "shared");
        using var provider = Provider(_fake);
        using var scope = new FetchScope();
        var objects = Objects("objectName: shared\nobjectType: secret");

        var a = await provider.FetchAsync(Request(WorkloadParameters(objects), className: "team-a", scope: scope), CancellationToken.None);
        var parametersB = WorkloadParameters(objects);
        parametersB["clientID"] = clientB;
        var act = () => provider.FetchAsync(Request(parametersB, TokensJson("eyJ.pod-b.sig"), serviceAccount: "sa-b", className: "team-b", scope: scope), CancellationToken.None);

        a.Text("shared").Should().Be("shared-s3cr3t");
        var ex = (await act.Should().ThrowAsync<SecretStoreException>()).Which;
        ex.Kind.Should().Be(FailureKind.PermissionDenied);
        ex.Message.Should().Contain("default/team-b").And.NotContain("shared-s3cr3t");
        _fake.Reads(Identity, "/secrets/shared").Should().Be(1);
        _fake.Reads("aad:" + clientB, "/secrets/shared").Should().Be(1);
    }

    [Fact]
    public async Task Scope_ClientSecretSameClientWrongSecret_NotServedTheSharedRead()
    {
        _fake.AddSecret("db", "sp-read-s3cr3t");
        using var provider = Provider(_fake);
        using var scope = new FetchScope();
        var parameters = new Dictionary<string, string> { ["keyvaultName"] = FakeAzure.VaultName, ["tenantID"] = FakeAzure.Tenant, ["objects"] = Objects("objectName: db\nobjectType: secret") };

        var good = await provider.FetchAsync(Request(parameters, secrets: new() { ["clientid"] = SpClient, ["clientsecret"] = SpSecret }, scope: scope), CancellationToken.None);
        var act = () => provider.FetchAsync(Request(parameters, secrets: new() { ["clientid"] = SpClient, ["clientsecret"] = "guessed" }, className: "intruder", scope: scope), CancellationToken.None);

        good.Text("db").Should().Be("sp-read-s3cr3t");
        var ex = (await act.Should().ThrowAsync<SecretStoreException>()).Which;
        ex.Kind.Should().Be(FailureKind.PermissionDenied);
        ex.Message.Should().Contain("default/intruder").And.Contain("AADSTS7000215").And.NotContain("sp-read-s3cr3t").And.NotContain("guessed");
        _fake.Reads("aad:" + SpClient, "/secrets/db").Should().Be(1);
    }

    [Fact]
    public async Task Pinned_VolumeHoldsVersion_ServedFromMemoryWithoutAnyCall()
    {
        var secretVersion = _fake.AddSecret("db", "pinned-s3cr3t");
        _fake.AddSecret("db", "newer");
        var keyVersion = _fake.AddKey("signing", Rsa());
        var certVersion = _fake.AddCertificate("web", TestPki.CreateLeaf(TestPki.CreateCa("pin ca"), "web.example.com"));
        var metrics = Metrics();
        using var provider = Provider(_fake, metrics: metrics);
        var objects = Objects(
            $"objectName: db\nobjectType: secret\nobjectVersion: {secretVersion}",
            $"objectName: signing\nobjectType: key\nobjectVersion: {keyVersion}",
            $"objectName: web\nobjectType: cert\nobjectVersion: {certVersion}");
        var first = await provider.FetchAsync(Request(WorkloadParameters(objects)), CancellationToken.None);
        var callsBefore = BackendCalls(metrics);
        var readsBefore = _fake.VaultRequests.Count;

        using var scope = new FetchScope();
        var again = await provider.FetchAsync(Request(WorkloadParameters(objects), current: first.Versions, scope: scope), CancellationToken.None);

        _fake.VaultRequests.Count.Should().Be(readsBefore, "pinned versions the volume holds need no Key Vault call");
        BackendCalls(metrics).Should().Be(callsBefore, "not even a token call");
        again.Versions.Should().Equal(first.Versions);
        again.Files.Select(f => (f.Path, Convert.ToHexString(f.Contents.Span))).Should().Equal(first.Files.Select(f => (f.Path, Convert.ToHexString(f.Contents.Span))));
        again.Text("db").Should().Be("pinned-s3cr3t");
    }

    [Fact]
    public async Task Pinned_NewPublishOfTheSameVersion_AlwaysAsksKeyVault()
    {
        var version = _fake.AddSecret("db", "pinned-s3cr3t");
        using var provider = Provider(_fake);
        var objects = Objects($"objectName: db\nobjectType: secret\nobjectVersion: {version}");
        await provider.FetchAsync(Request(WorkloadParameters(objects)), CancellationToken.None);
        _fake.Deny(Identity, "db");

        var act = () => provider.FetchAsync(Request(WorkloadParameters(objects), podName: "new-pod", className: "new-app"), CancellationToken.None);

        var ex = (await act.Should().ThrowAsync<SecretStoreException>()).Which;
        ex.Kind.Should().Be(FailureKind.PermissionDenied, "memory never stands in for Key Vault authorising a volume that does not hold the version yet");
        ex.Message.Should().Contain("default/new-app").And.NotContain("pinned-s3cr3t");
        _fake.Reads(Identity, $"/secrets/db/{version}").Should().Be(2);
    }

    [Fact]
    public async Task Pinned_VolumeHoldsVersionReadOnlyByAnotherIdentity_AsksKeyVault()
    {
        const string clientB = "bbbbbbbb-0000-0000-0000-00000000000b";
        var version = _fake.AddSecret("db", "pinned-s3cr3t");
        _fake.Federate(clientB, "eyJ.pod-b.sig");
        using var provider = Provider(_fake);
        var objects = Objects($"objectName: db\nobjectType: secret\nobjectVersion: {version}");
        var first = await provider.FetchAsync(Request(WorkloadParameters(objects)), CancellationToken.None);
        _fake.Deny("aad:" + clientB, "db");
        var parametersB = WorkloadParameters(objects);
        parametersB["clientID"] = clientB;

        var act = () => provider.FetchAsync(Request(parametersB, TokensJson("eyJ.pod-b.sig"), serviceAccount: "sa-b", current: first.Versions), CancellationToken.None);

        (await act.Should().ThrowAsync<SecretStoreException>()).Which.Kind.Should().Be(FailureKind.PermissionDenied);
        _fake.Reads("aad:" + clientB, $"/secrets/db/{version}").Should().Be(1);
    }

    [Fact]
    public async Task Unpinned_VolumeHoldsLatest_StillOneGetPerScope()
    {
        _fake.AddSecret("db", "v1");
        using var provider = Provider(_fake);
        var objects = Objects("objectName: db\nobjectType: secret");
        var first = await provider.FetchAsync(Request(WorkloadParameters(objects)), CancellationToken.None);
        using var scope = new FetchScope();

        for (var i = 0; i < 3; i++)
        {
            await provider.FetchAsync(Request(WorkloadParameters(objects), podName: $"pod-{i}", current: first.Versions, scope: scope), CancellationToken.None);
        }

        _fake.Reads(Identity, "/secrets/db").Should().Be(2, "one for the first publish, one for the three volumes of the scope");
    }

    [Fact]
    public async Task History_HeldVersions_OnlyTheListingAndNewVersionsAreRead()
    {
        var versions = new[] { _fake.AddSecret("k", "one"), _fake.AddSecret("k", "two"), _fake.AddSecret("k", "three") };
        var metrics = Metrics();
        using var provider = Provider(_fake, metrics: metrics);
        var objects = Objects("objectName: k\nobjectType: secret\nobjectVersionHistory: 2");
        var first = await provider.FetchAsync(Request(WorkloadParameters(objects)), CancellationToken.None);
        first.Files.Select(f => f.Path).Should().Equal("k/0", "k/1", "k/2");
        var before = _fake.VaultReads.Count;

        using (var scope = new FetchScope())
        {
            for (var i = 0; i < 2; i++)
            {
                await provider.FetchAsync(Request(WorkloadParameters(objects), podName: $"pod-{i}", current: first.Versions, scope: scope), CancellationToken.None);
            }
        }

        var pass = _fake.VaultReads.Skip(before).ToList();
        pass.Should().OnlyContain(r => r.Path == "/secrets/k/versions", "each listed version is pinned by id and already held");
        pass.Should().HaveCount(2, "the listing has two pages, read once for both volumes");
        metrics.Calls("list_versions").Should().Be(3 + 2, "the first publish: the challenge probe and two pages; the scope: two pages");

        var four = _fake.AddSecret("k", "four");
        before = _fake.VaultReads.Count;
        var rotated = await provider.FetchAsync(Request(WorkloadParameters(objects), current: first.Versions), CancellationToken.None);

        rotated.Versions.Select(v => v.Version).Should().Equal(four, versions[2], versions[1]);
        rotated.Text("k/0").Should().Be("four");
        rotated.Text("k/2").Should().Be("two");
        _fake.VaultReads.Skip(before).Where(r => !r.Path.EndsWith("/versions", StringComparison.Ordinal)).Select(r => r.Path).Should().Equal($"/secrets/k/{four}");
    }

    [Fact]
    public async Task Fetch_ObjectListedTwiceInOneClass_ReadOnce()
    {
        _fake.AddSecret("db", "v");
        using var provider = Provider(_fake);

        var result = await provider.FetchAsync(Request(WorkloadParameters(Objects("objectName: db\nobjectType: secret", "objectName: db\nobjectType: secret\nobjectAlias: db-copy"))), CancellationToken.None);

        result.Text("db-copy").Should().Be("v");
        _fake.Reads(Identity, "/secrets/db").Should().Be(1);
    }

    /// <summary>Learns the vault's challenge scope and a token, so what follows counts only object reads.</summary>
    private static async Task WarmAsync(IProvider provider)
    {
        try
        {
            await provider.FetchAsync(Request(WorkloadParameters(Objects("objectName: warm-up\nobjectType: secret"))), CancellationToken.None);
        }
        catch (SecretStoreException)
        {
            // 404: only the side effects matter.
        }
    }

    private static JsonObject Rsa()
    {
        using var rsa = RSA.Create(2048);
        var p = rsa.ExportParameters(false);
        return new JsonObject { ["kty"] = "RSA", ["n"] = B64Url(p.Modulus!), ["e"] = B64Url(p.Exponent!) };
    }

    private static string B64Url(byte[] data) => Convert.ToBase64String(data).TrimEnd('=').Replace('+', '-').Replace('/', '_');

    private static string BackendCalls(CsiDriver.Observability.DriverMetrics metrics) =>
        string.Join('\n', metrics.Registry.Render().Split('\n').Where(l => l.StartsWith("csi_secrets_store_backend_calls_total{", StringComparison.Ordinal)));
}
