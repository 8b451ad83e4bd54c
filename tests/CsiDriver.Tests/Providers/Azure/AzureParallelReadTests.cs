using CsiDriver.Publishing;
using CsiDriver.Tests.Infrastructure;
using static CsiDriver.Tests.Providers.Azure.AzureTestKit;

namespace CsiDriver.Tests.Providers.Azure;

/// <summary>The objects of one publish are read from Key Vault together and fail as the sequential reads did.</summary>
public sealed class AzureParallelReadTests : IAsyncLifetime
{
    private FakeAzure _fake = null!;

    public async Task InitializeAsync()
    {
        _fake = await FakeAzure.StartAsync();
        _fake.FederatedClients[WorkloadClient] = PodToken;
        for (var i = 1; i <= 4; i++)
        {
            _fake.AddSecret($"s{i}", $"value-{i}");
        }
    }

    public async Task DisposeAsync() => await _fake.DisposeAsync();

    [Fact]
    public async Task Fetch_FourObjects_ReadsOverlapWithOneTokenAndOneChallengeProbe()
    {
        using var provider = Provider(_fake);
        _fake.Gate = new ConcurrencyGate(4, TimeSpan.FromSeconds(5));

        var result = await provider.FetchAsync(Request(WorkloadParameters(Secrets("s1", "s2", "s3", "s4"))), CancellationToken.None);

        _fake.Gate.MaxInFlight.Should().Be(4);
        _fake.VaultRequests.Count(r => !r.Authorized).Should().Be(1, "the reads wait for one challenge probe");
        _fake.TokenRequests.Should().Be(1);
        result.Files.Select(f => f.Path).Should().Equal("s1", "s2", "s3", "s4");
        result.Files.Select(f => System.Text.Encoding.UTF8.GetString(f.Contents.Span)).Should().Equal("value-1", "value-2", "value-3", "value-4");
    }

    [Fact]
    public async Task Fetch_SecondAndFourthObjectsMissing_ReportsSecondOnlyAndNoValue()
    {
        using var provider = Provider(_fake);
        _fake.Gate = new ConcurrencyGate(4, TimeSpan.FromSeconds(5));

        var act = () => provider.FetchAsync(Request(WorkloadParameters(Secrets("s1", "missing", "s3", "missing-too"))), CancellationToken.None);

        var ex = (await act.Should().ThrowAsync<SecretStoreException>()).Which;
        ex.Kind.Should().Be(FailureKind.NotFound);
        ex.Message.Should().Contain("objectName:missing,").And.NotContain("missing-too").And.NotContain("value-");
    }

    private static string Secrets(params string[] names) => Objects(names.Select(n => $"objectName: {n}\nobjectType: secret").ToArray());
}
