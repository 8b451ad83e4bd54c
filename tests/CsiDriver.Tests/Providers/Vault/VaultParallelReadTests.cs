using CsiDriver.Publishing;
using CsiDriver.Tests.Infrastructure;

namespace CsiDriver.Tests.Providers.Vault;

/// <summary>The distinct reads of one publish go to Vault together, behind one login, and fail as the sequential reads did.</summary>
public sealed class VaultParallelReadTests : IAsyncLifetime
{
    private VaultTestContext _vault = null!;

    public async Task InitializeAsync()
    {
        _vault = await VaultTestContext.StartAsync();
        for (var i = 1; i <= 5; i++)
        {
            _vault.Server.PutKv2($"app/s{i}", new() { ["value"] = $"value-{i}" });
        }
    }

    public async Task DisposeAsync() => await _vault.DisposeAsync();

    [Fact]
    public async Task Fetch_FiveObjectsOnDistinctPaths_ReadsOverlapBehindOneLogin()
    {
        _vault.Server.Gate = new ConcurrencyGate(5, TimeSpan.FromSeconds(5));

        var result = await _vault.FetchAsync(_vault.Request(_vault.Parameters(Objects(1, 2, 3, 4, 5))));

        _vault.Server.Gate.MaxInFlight.Should().Be(5, "the five reads are independent");
        _vault.Server.LoginCount.Should().Be(1, "concurrent reads share the session's login");
        Enumerable.Range(1, 5).Select(i => result.Text($"o{i}")).Should().Equal("value-1", "value-2", "value-3", "value-4", "value-5");
        result.Versions.Select(v => v.Id).Should().Equal("o1", "o2", "o3", "o4", "o5");
    }

    [Fact]
    public async Task Fetch_ObjectsSharingAPath_OneCallPerPathWhileOthersOverlap()
    {
        _vault.Server.Gate = new ConcurrencyGate(2, TimeSpan.FromSeconds(5));

        var result = await _vault.FetchAsync(_vault.Request(_vault.Parameters(Objects(1, 2, 1, 2))));

        _vault.Server.Gate.MaxInFlight.Should().Be(2);
        _vault.Server.Calls("GET /v1/secret/data/app/s1").Should().Be(1);
        _vault.Server.Calls("GET /v1/secret/data/app/s2").Should().Be(1);
        result.Files.Should().HaveCount(4);
    }

    [Fact]
    public async Task Fetch_SecondAndFourthReadsFail_ReportsSecondObjectOnly()
    {
        _vault.Server.Gate = new ConcurrencyGate(5, TimeSpan.FromSeconds(5));
        _vault.Server.FailingPrefixes["/v1/secret/data/app/s4"] = (500, "fourth broke");
        _vault.Server.FailingPrefixes["/v1/secret/data/app/s2"] = (500, "second broke");

        var ex = await _vault.FailsAsync(_vault.Request(_vault.Parameters(Objects(1, 2, 3, 4, 5))));

        ex.Message.Should().Contain("\"o2\"").And.Contain("second broke").And.NotContain("fourth broke").And.NotContain("value-");
    }

    [Fact]
    public async Task Fetch_CachedTokenRevokedDuringParallelReads_OneReloginServesAll()
    {
        await _vault.FetchAsync(_vault.Request(_vault.Parameters(Objects(1))));
        _vault.Server.RevokeAllTokens();
        _vault.Server.Gate = new ConcurrencyGate(4, TimeSpan.FromSeconds(5));

        var result = await _vault.FetchAsync(_vault.Request(_vault.Parameters(Objects(2, 3, 4, 5))));

        _vault.Server.LoginCount.Should().Be(2, "the refused reads join one re-login");
        result.Text("o5").Should().Be("value-5");
    }

    private static string Objects(params int[] indexes) => string.Join('\n', indexes.Select((n, i) => $"""
        - objectName: o{(indexes.Take(i).Contains(n) ? n + "-again" : n.ToString(System.Globalization.CultureInfo.InvariantCulture))}
          secretPath: secret/data/app/s{n}
          secretKey: value
        """));
}
