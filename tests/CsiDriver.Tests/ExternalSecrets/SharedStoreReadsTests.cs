using CsiDriver.ExternalSecrets.Reconcile;
using CsiDriver.ExternalSecrets.Stores;
using CsiDriver.Publishing;
using CsiDriver.Tests.Providers.Aws;

namespace CsiDriver.Tests.ExternalSecrets;

/// <summary>The shared-read cache on its own, with a backend whose value changes without the store changing.</summary>
public sealed class SharedStoreReadsTests
{
    private static readonly StoreContext Store = new("ClusterSecretStore", "s", "uid-1", 1, "test", [], "team-a");
    private static readonly RemoteRef Ref = new("k");

    private sealed class CountingClient : IStoreClient
    {
        private int _reads;

        public string Value { get; set; } = "v1";

        public TaskCompletionSource? Gate { get; set; }

        public int Reads => _reads;

        public string Identity => "test:reader";

        public async Task<byte[]> GetSecretAsync(RemoteRef remoteRef, CancellationToken cancellationToken)
        {
            Interlocked.Increment(ref _reads);
            if (Gate is { } gate)
            {
                await gate.Task;
            }

            return Value == "missing" ? throw new SecretStoreException(FailureKind.NotFound, "not found") : System.Text.Encoding.UTF8.GetBytes(Value);
        }

        public Task<IReadOnlyDictionary<string, byte[]>> GetSecretMapAsync(RemoteRef remoteRef, CancellationToken cancellationToken) =>
            throw new NotSupportedException();
    }

    private static async Task<string> ReadAsync(SharedStoreReads reads, CountingClient client, bool fresh = false, TimeSpan? interval = null) =>
        System.Text.Encoding.UTF8.GetString(await reads.GetSecretAsync(Store, client, Ref, interval ?? TimeSpan.FromHours(1), fresh, CancellationToken.None));

    [Fact]
    public async Task WithinWindow_CachedValueReused_AfterWindow_ReadAgain()
    {
        var clock = new OffsetTimeProvider();
        var reads = new SharedStoreReads(new ExternalSecretsReconcileOptions { SharedReadWindow = TimeSpan.FromMinutes(5) }, clock);
        var client = new CountingClient();

        (await ReadAsync(reads, client)).Should().Be("v1");
        client.Value = "v2";
        clock.Advance(TimeSpan.FromMinutes(4));
        (await ReadAsync(reads, client)).Should().Be("v1");
        clock.Advance(TimeSpan.FromMinutes(2));
        (await ReadAsync(reads, client)).Should().Be("v2");

        client.Reads.Should().Be(2);
    }

    [Fact]
    public async Task WindowCappedByQuarterOfRefreshInterval()
    {
        var clock = new OffsetTimeProvider();
        var reads = new SharedStoreReads(new ExternalSecretsReconcileOptions { SharedReadWindow = TimeSpan.FromMinutes(5) }, clock);
        var client = new CountingClient();

        await ReadAsync(reads, client, interval: TimeSpan.FromMinutes(4));
        clock.Advance(TimeSpan.FromMinutes(1.5));
        client.Value = "v2";

        (await ReadAsync(reads, client, interval: TimeSpan.FromMinutes(4))).Should().Be("v2");
    }

    [Fact]
    public async Task FreshRead_BypassesCacheAndReplacesIt()
    {
        var clock = new OffsetTimeProvider();
        var reads = new SharedStoreReads(new ExternalSecretsReconcileOptions(), clock);
        var client = new CountingClient();
        await ReadAsync(reads, client);
        client.Value = "rotated";

        (await ReadAsync(reads, client, fresh: true)).Should().Be("rotated");
        (await ReadAsync(reads, client)).Should().Be("rotated");
        client.Reads.Should().Be(2);
    }

    [Fact]
    public async Task ConcurrentReaders_JoinOneInFlightRead()
    {
        var reads = new SharedStoreReads(new ExternalSecretsReconcileOptions(), new OffsetTimeProvider());
        var client = new CountingClient { Gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously) };

        var all = Enumerable.Range(0, 10).Select(_ => ReadAsync(reads, client)).ToList();
        client.Gate.SetResult();

        (await Task.WhenAll(all)).Should().OnlyContain(v => v == "v1");
        client.Reads.Should().Be(1);
    }

    [Fact]
    public async Task Failure_NotCached()
    {
        var reads = new SharedStoreReads(new ExternalSecretsReconcileOptions(), new OffsetTimeProvider());
        var client = new CountingClient { Value = "missing" };

        var first = () => ReadAsync(reads, client);
        await first.Should().ThrowAsync<SecretStoreException>();
        client.Value = "back";

        (await ReadAsync(reads, client)).Should().Be("back");
    }

    [Fact]
    public async Task OverMemoryBudget_NotCached()
    {
        var reads = new SharedStoreReads(new ExternalSecretsReconcileOptions { SharedReadBudgetBytes = 2 }, new OffsetTimeProvider());
        var client = new CountingClient { Value = "big" };

        await ReadAsync(reads, client);
        await ReadAsync(reads, client);

        client.Reads.Should().Be(2);

        // Nothing stays held for the refused value: the whole budget is free, so a value of exactly its size is kept.
        client.Value = "v1";
        (await ReadAsync(reads, client)).Should().Be("v1");
        client.Value = "v2";
        (await ReadAsync(reads, client)).Should().Be("v1");
        client.Reads.Should().Be(3);
    }
}
