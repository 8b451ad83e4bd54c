using CsiDriver.Http;
using CsiDriver.Tests.Providers.Vault;

namespace CsiDriver.Tests.Http;

public sealed class TokenCacheTests
{
    private static TokenCache<string, string> Cache(ManualClock clock) =>
        new(clock, TokenCache<string, string>.Margin(0.1, TimeSpan.FromMinutes(1)));

    [Fact]
    public async Task GetOrCreate_ConcurrentCallersOfOneIdentity_ShareOneCreation()
    {
        var cache = Cache(new ManualClock());
        var release = new TaskCompletionSource();
        var created = 0;
        async Task<(string, TimeSpan?)> Create(CancellationToken ct)
        {
            Interlocked.Increment(ref created);
            await release.Task.WaitAsync(ct);
            return ("token-1", TimeSpan.FromHours(1));
        }

        var callers = Enumerable.Range(0, 5).Select(_ => cache.GetOrCreateAsync("sa-a", Create, CancellationToken.None)).ToList();
        release.SetResult();

        (await Task.WhenAll(callers)).Should().AllBe("token-1");
        created.Should().Be(1);
    }

    [Fact]
    public async Task GetOrCreate_PastTheRefreshMargin_CreatesAgainBeforeExpiry()
    {
        var clock = new ManualClock();
        var cache = Cache(clock);
        var n = 0;
        Task<(string, TimeSpan?)> Create(CancellationToken _) => Task.FromResult(($"token-{++n}", (TimeSpan?)TimeSpan.FromMinutes(5)));

        await cache.GetOrCreateAsync("sa-a", Create, CancellationToken.None);
        clock.Advance(TimeSpan.FromMinutes(4) + TimeSpan.FromSeconds(29));
        (await cache.GetOrCreateAsync("sa-a", Create, CancellationToken.None)).Should().Be("token-1", "30s (a tenth of 5 min) before expiry it is still fresh");
        clock.Advance(TimeSpan.FromSeconds(2));
        (await cache.GetOrCreateAsync("sa-a", Create, CancellationToken.None)).Should().Be("token-2");
    }

    [Fact]
    public async Task GetOrCreate_CreationFails_FailureIsNotRemembered()
    {
        var cache = Cache(new ManualClock());
        var fail = true;
        Task<(string, TimeSpan?)> Create(CancellationToken _) =>
            fail ? throw new InvalidOperationException("login refused") : Task.FromResult(("token", (TimeSpan?)TimeSpan.FromHours(1)));

        await ((Func<Task>)(() => cache.GetOrCreateAsync("sa-a", Create, CancellationToken.None))).Should().ThrowAsync<InvalidOperationException>();
        fail = false;

        (await cache.GetOrCreateAsync("sa-a", Create, CancellationToken.None)).Should().Be("token");
    }

    [Fact]
    public void Invalidate_OnlyTheRefusedToken_ANewerOneStays()
    {
        var cache = Cache(new ManualClock());
        var refused = cache.Add("sa-a", "old", TimeSpan.FromHours(1));
        cache.Add("sa-a", "new", TimeSpan.FromHours(1));

        cache.Invalidate("sa-a", refused);

        cache.TryGet("sa-a", out var kept).Should().BeTrue();
        kept.Should().Be("new");
        cache.Invalidate("sa-a", kept);
        cache.TryGet("sa-a", out _).Should().BeFalse();
    }

    [Fact]
    public void Add_AtCapacity_ForgetsTokensPastTheirRefreshFirstThenTheOldest()
    {
        var clock = new ManualClock();
        var cache = new TokenCache<string, string>(clock, _ => TimeSpan.Zero, 4);
        cache.Add("pod-a", "a", TimeSpan.FromHours(1));
        cache.Add("pod-b", "b", TimeSpan.FromMinutes(1));
        cache.Add("pod-c", "c", TimeSpan.FromHours(1));
        cache.Add("pod-d", "d", TimeSpan.FromHours(1));
        clock.Advance(TimeSpan.FromMinutes(2));

        cache.Add("pod-e", "e", TimeSpan.FromHours(1));

        Kept(cache, "pod-a", "pod-b", "pod-c", "pod-d", "pod-e").Should().Equal(["pod-a", "pod-c", "pod-d", "pod-e"], "the stale token made room, so no fresh one went");

        cache.Add("pod-f", "f", TimeSpan.FromHours(1));

        Kept(cache, "pod-a", "pod-c", "pod-d", "pod-e", "pod-f").Should().Equal(["pod-c", "pod-d", "pod-e", "pod-f"], "with nothing stale, the oldest goes");
    }

    [Fact]
    public void Add_MoreIdentitiesThanTheDefaultCapacity_AllKeptWhenTheOwnerSetsItsOwn()
    {
        var cache = new TokenCache<string, string>(new ManualClock(), _ => TimeSpan.Zero, 4096);

        for (var i = 0; i < 3000; i++)
        {
            cache.Add($"pod-{i}", $"token-{i}", TimeSpan.FromHours(1));
        }

        Kept(cache, [.. Enumerable.Range(0, 3000).Select(i => $"pod-{i}")]).Should().HaveCount(3000, "per-pod credentials of 1,500 volumes are never thrashed");
    }

    [Fact]
    public void Add_NoLifetimeLeft_IsNotKept()
    {
        var cache = new TokenCache<string, string>(new ManualClock(), _ => TimeSpan.FromMinutes(1), 4);

        cache.Add("pod-a", "a", TimeSpan.FromSeconds(30)).Should().Be("a");

        cache.TryGet("pod-a", out _).Should().BeFalse("it is inside its refresh margin already");
    }

    private static List<string> Kept(TokenCache<string, string> cache, params string[] keys) =>
        keys.Where(k => cache.TryGet(k, out _)).ToList();
}
