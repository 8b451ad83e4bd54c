using CsiDriver.Publishing;
using CsiDriver.Tests.Infrastructure;
using CsiDriver.Tests.Rotation;
using static CsiDriver.Tests.Providers.Azure.AzureTestKit;

namespace CsiDriver.Tests.Providers.Azure;

/// <summary>Key Vault answering 429: bounded retries that wait out Retry-After on an injected clock.</summary>
public sealed class AzureThrottlingTests : IAsyncLifetime
{
    private const string Secret = "throttled-s3cr3t-value";
    private FakeAzure _fake = null!;

    public async Task InitializeAsync()
    {
        _fake = await FakeAzure.StartAsync();
        _fake.FederatedClients[WorkloadClient] = PodToken;
        _fake.AddSecret("db", Secret);
    }

    public async Task DisposeAsync() => await _fake.DisposeAsync();

    [Fact]
    public async Task Fetch_ThrottledOnceWithRetryAfter_WaitsThatLongThenSucceeds()
    {
        var clock = new ManualTimeProvider();
        var metrics = Metrics();
        using var provider = Provider(_fake, clock, metrics: metrics);
        _fake.ThrottleRetryAfter = "7";
        _fake.Throttle(1);

        var fetch = provider.FetchAsync(Request(WorkloadParameters(Objects("objectName: db\nobjectType: secret"))), CancellationToken.None);
        await Eventually.TrueAsync(() => clock.Pending == 1, because: "the client to wait out Retry-After");
        clock.RequestedDelays.Should().Equal(TimeSpan.FromSeconds(7));
        _fake.Reads("aad:" + WorkloadClient, "/secrets/db").Should().Be(1, "nothing is sent again before Retry-After passes");
        clock.Advance(TimeSpan.FromSeconds(7));
        var result = await fetch;

        result.Text("db").Should().Be(Secret);
        _fake.Reads("aad:" + WorkloadClient, "/secrets/db").Should().Be(2);
        metrics.Calls("get_secret").Should().Be(3, "the challenge probe, the throttled GET and its retry are each a call");
        metrics.Calls("token").Should().Be(1);
    }

    [Fact]
    public async Task Fetch_KeepsThrottling_UnavailableNamingClassAndObjectAfterBoundedRetries()
    {
        var clock = new ManualTimeProvider();
        var metrics = Metrics();
        using var provider = Provider(_fake, clock, metrics: metrics);
        _fake.ThrottleRetryAfter = "2";
        _fake.Throttle(int.MaxValue);

        var fetch = provider.FetchAsync(Request(WorkloadParameters(Objects("objectName: db\nobjectType: secret"))), CancellationToken.None);
        for (var retry = 1; retry <= 3; retry++)
        {
            await Eventually.TrueAsync(() => clock.Pending == 1 && clock.RequestedDelays.Count == retry, because: $"wait number {retry}");
            clock.Advance(TimeSpan.FromSeconds(2));
        }

        var ex = (await fetch.Awaiting(f => f).Should().ThrowAsync<SecretStoreException>()).Which;
        ex.Kind.Should().Be(FailureKind.Unavailable);
        ex.Message.Should().Be(
            "SecretProviderClass default/azure-kv: failed to mount objects, error: failed to get objectType:secret, objectName:db, objectVersion:: " +
            "RESPONSE 429: 429 Too Many Requests, ERROR CODE: Throttled, retry after 2s (throttled on all 4 attempts)");
        ex.ShouldBeClean(_fake, Secret);
        ex.Message.Should().NotContain("VaultRequestTypeLimitReached", "backend message text is not passed on");
        clock.RequestedDelays.Should().Equal(TimeSpan.FromSeconds(2), TimeSpan.FromSeconds(2), TimeSpan.FromSeconds(2));
        _fake.Reads("aad:" + WorkloadClient, "/secrets/db").Should().Be(4);
        metrics.Calls("get_secret").Should().Be(5, "the probe and four throttled attempts");
    }

    [Fact]
    public async Task Fetch_RetryAfterBeyondCap_FailsAtOnceWithoutSendingAgain()
    {
        var clock = new ManualTimeProvider();
        using var provider = Provider(_fake, clock);
        _fake.ThrottleRetryAfter = "120";
        _fake.Throttle(int.MaxValue);

        var ex = (await provider.Awaiting(p => p.FetchAsync(Request(WorkloadParameters(Objects("objectName: db\nobjectType: secret"))), CancellationToken.None))
            .Should().ThrowAsync<SecretStoreException>()).Which;

        ex.Kind.Should().Be(FailureKind.Unavailable);
        ex.Message.Should().EndWith("ERROR CODE: Throttled, retry after 120s (Retry-After is longer than the 10s the driver waits)");
        ex.ShouldBeClean(_fake, Secret);
        clock.RequestedDelays.Should().BeEmpty();
        _fake.Reads("aad:" + WorkloadClient, "/secrets/db").Should().Be(1);
    }

    [Fact]
    public async Task Fetch_ThrottledWithoutRetryAfter_WaitsADoublingBaseDelay()
    {
        var clock = new ManualTimeProvider();
        using var provider = Provider(_fake, clock);
        _fake.ThrottleRetryAfter = null;
        _fake.Throttle(2);

        var fetch = provider.FetchAsync(Request(WorkloadParameters(Objects("objectName: db\nobjectType: secret"))), CancellationToken.None);
        await Eventually.TrueAsync(() => clock.Pending == 1, because: "the first wait");
        clock.Advance(TimeSpan.FromSeconds(1));
        await Eventually.TrueAsync(() => clock.Pending == 1 && clock.RequestedDelays.Count == 2, because: "the second wait");
        clock.Advance(TimeSpan.FromSeconds(2));

        (await fetch).Text("db").Should().Be(Secret);
        clock.RequestedDelays.Should().Equal(TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(2));
    }

    [Fact]
    public async Task Fetch_RetryAfterAsHttpDate_WaitsUntilThatTime()
    {
        var clock = new ManualTimeProvider();
        using var provider = Provider(_fake, clock);
        _fake.ThrottleRetryAfter = (clock.GetUtcNow() + TimeSpan.FromSeconds(5)).ToString("r", System.Globalization.CultureInfo.InvariantCulture);
        _fake.Throttle(1);

        var fetch = provider.FetchAsync(Request(WorkloadParameters(Objects("objectName: db\nobjectType: secret"))), CancellationToken.None);
        await Eventually.TrueAsync(() => clock.Pending == 1, because: "the wait");
        clock.Advance(TimeSpan.FromSeconds(5));

        (await fetch).Text("db").Should().Be(Secret);
        clock.RequestedDelays.Should().Equal(TimeSpan.FromSeconds(5));
    }

    [Fact]
    public async Task Fetch_CancelledWhileWaitingOutThrottle_StopsWithoutSendingAgain()
    {
        var clock = new ManualTimeProvider();
        using var provider = Provider(_fake, clock);
        _fake.ThrottleRetryAfter = "9";
        _fake.Throttle(int.MaxValue);
        using var cancel = new CancellationTokenSource();

        var fetch = provider.FetchAsync(Request(WorkloadParameters(Objects("objectName: db\nobjectType: secret"))), cancel.Token);
        await Eventually.TrueAsync(() => clock.Pending == 1, because: "the wait");
        await cancel.CancelAsync();

        await fetch.Awaiting(f => f).Should().ThrowAsync<OperationCanceledException>();
        _fake.Reads("aad:" + WorkloadClient, "/secrets/db").Should().Be(1);
    }

    [Fact]
    public async Task Fetch_RetriesDisabled_FirstThrottleFailsWithRetryAfterInMessage()
    {
        using var provider = Provider(_fake, new ManualTimeProvider(), o => o with { Retry = o.Retry with { MaxAttempts = 1 } });
        _fake.ThrottleRetryAfter = "7";
        _fake.Throttle(int.MaxValue);

        var ex = (await provider.Awaiting(p => p.FetchAsync(Request(WorkloadParameters(Objects("objectName: db\nobjectType: secret"))), CancellationToken.None))
            .Should().ThrowAsync<SecretStoreException>()).Which;

        ex.Message.Should().EndWith("RESPONSE 429: 429 Too Many Requests, ERROR CODE: Throttled, retry after 7s");
        ex.Reason.Should().Be("AzureKeyVaultError");
    }
}
