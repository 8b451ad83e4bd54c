using CsiDriver.Providers;
using CsiDriver.Publishing;
using CsiDriver.Rotation;
using CsiDriver.Spec;
using Microsoft.Extensions.Logging.Abstractions;

namespace CsiDriver.Tests.Rotation;

public sealed class StaleObjectCacheTests
{
    private static readonly DateTimeOffset Now = new(2026, 3, 1, 12, 0, 0, TimeSpan.Zero);
    private static readonly SecretStoreException Outage = new(FailureKind.Unavailable, "backend down");

    private static ProviderRequest Request(string className, string serviceAccount = "sa", TimeSpan? window = null) =>
        new(
            new SecretProviderClass
            {
                Name = className,
                Namespace = "default",
                Provider = "local",
                Rotation = new RotationSpec(RotationPolicy.Periodic, null, window ?? TimeSpan.FromMinutes(10)),
            },
            new Dictionary<string, string> { ["objects"] = "- objectName: a", ["csi.storage.k8s.io/pod.name"] = "pod-" + Guid.NewGuid() },
            new PodIdentity("pod", "default", Guid.NewGuid().ToString(), serviceAccount, ServiceAccountTokens.None),
            new Dictionary<string, string>(),
            UnixFileMode.UserRead,
            [],
            "/target");

    /// <summary>Which of the classes' entries the cache still serves (the same identity asking, while the backend is down).</summary>
    private static List<string> Kept(StaleObjectCache cache, params string[] classNames) =>
        classNames.Where(c => cache.TryServe(Request(c), Outage, Now) is not null).ToList();

    private static ProviderResult Result(int bytes) => new([new SecretFile("a", new byte[bytes])], [new ObjectVersion("a", "1")]);

    [Fact]
    public void Cache_MoreEntriesThanAllowed_OldestEvicted()
    {
        var cache = new StaleObjectCache(new RotationOptions { StaleCacheMaxEntries = 3 }, NullLogger<StaleObjectCache>.Instance);
        for (var i = 0; i < 5; i++)
        {
            cache.Remember(Request($"c{i}"), Result(10), Now);
        }

        Kept(cache, "c0", "c1", "c2", "c3", "c4").Should().Equal("c2", "c3", "c4");
    }

    [Fact]
    public void Cache_MoreBytesThanAllowed_EvictsUntilUnderTheLimit()
    {
        var cache = new StaleObjectCache(new RotationOptions { StaleCacheMaxBytes = 1000 }, NullLogger<StaleObjectCache>.Instance);
        cache.Remember(Request("big"), Result(5000), Now);
        Kept(cache, "big").Should().BeEmpty("an entry over the whole budget is not kept");
        for (var i = 0; i < 4; i++)
        {
            cache.Remember(Request($"c{i}"), Result(300), Now);
        }

        // Each entry is 301 bytes (contents and path): three fit in 1000, so the oldest went.
        Kept(cache, "c0", "c1", "c2", "c3").Should().Equal("c1", "c2", "c3");
    }

    [Fact]
    public void Cache_EntriesPastTheirWindow_DroppedOnNextUse()
    {
        var cache = new StaleObjectCache(new RotationOptions(), NullLogger<StaleObjectCache>.Instance);
        cache.Remember(Request("short", window: TimeSpan.FromMinutes(1)), Result(10), Now);
        cache.Remember(Request("long", window: TimeSpan.FromHours(1)), Result(10), Now);

        cache.TryServe(Request("long", window: TimeSpan.FromHours(1)), Outage, Now.AddMinutes(2))!.Age.Should().Be(TimeSpan.FromMinutes(2));

        cache.TryServe(Request("short", window: TimeSpan.FromMinutes(1)), Outage, Now.AddMinutes(2)).Should().BeNull();
        cache.TryServe(Request("long", window: TimeSpan.FromHours(1)), Outage, Now.AddMinutes(2)).Should().NotBeNull("only the entry past its window went");
    }

    [Fact]
    public void Cache_SameClassOtherServiceAccount_Misses()
    {
        var cache = new StaleObjectCache(new RotationOptions(), NullLogger<StaleObjectCache>.Instance);
        cache.Remember(Request("app", "sa-a"), Result(10), Now);

        cache.TryServe(Request("app", "sa-b"), Outage, Now).Should().BeNull();
        cache.TryServe(Request("app", "sa-a"), Outage, Now).Should().NotBeNull();
    }

    [Fact]
    public async Task FetchScope_ConcurrentCallersOneKey_FactoryRunsOnceAndFailuresAreShared()
    {
        using var scope = new FetchScope();
        var runs = 0;
        var gate = new TaskCompletionSource<byte[]>(TaskCreationOptions.RunContinuationsAsynchronously);
        var key = new FetchKey("local", string.Empty, "/store/a");
        var readers = Enumerable.Range(0, 10).Select(_ => scope.GetOrAddAsync(key, _ => { Interlocked.Increment(ref runs); return gate.Task; })).ToList();
        gate.SetResult([1, 2, 3]);

        (await Task.WhenAll(readers)).Should().AllSatisfy(r => r.Should().Equal(1, 2, 3));
        runs.Should().Be(1);
        scope.Misses.Should().Be(1);
        scope.Hits.Should().Be(9);

        var failing = new FetchKey("local", string.Empty, "/store/missing");
        var failures = Enumerable.Range(0, 3).Select(_ => scope.GetOrAddAsync<byte[]>(failing, _ => { Interlocked.Increment(ref runs); throw new FileNotFoundException("gone"); })).ToList();
        foreach (var failure in failures)
        {
            await failure.Invoking(f => f).Should().ThrowAsync<FileNotFoundException>();
        }

        runs.Should().Be(2);
    }
}
