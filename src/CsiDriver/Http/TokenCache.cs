namespace CsiDriver.Http;

/// <summary>
/// The one token cache of the backends: tokens per identity (Vault logins, Azure and Google access tokens),
/// reused until shortly before they expire (early refresh: a margin of their lifetime the owner chooses), and
/// one creation in flight per identity, which concurrent callers (a publish's parallel reads, the volumes of a
/// rotation pass) share. Failures are not remembered: the next caller tries again. Keys name an identity, never
/// a token; memory only. Above its capacity it forgets tokens past their refresh point first, then the oldest.
/// </summary>
/// <param name="time">The clock lifetimes are measured on.</param>
/// <param name="margin">How long before the end of a token's lifetime it stops being handed out.</param>
/// <param name="capacity">How many identities are kept; an owner with one entry per volume sets it above the volumes of a node.</param>
internal sealed class TokenCache<TKey, TToken>(TimeProvider time, Func<TimeSpan, TimeSpan> margin, int capacity = 1024)
    where TKey : notnull
    where TToken : class
{
    private readonly ConcurrentDictionary<TKey, Entry> _entries = new();
    private readonly ConcurrentDictionary<TKey, Lazy<Task<TToken>>> _inFlight = new();
    private readonly Lock _pruning = new();
    private readonly int _capacity = capacity >= 1 ? capacity : throw new ArgumentOutOfRangeException(nameof(capacity), capacity, "at least one identity");
    private long _added;

    /// <summary>A margin of <paramref name="fraction"/> of the lifetime, at most <paramref name="max"/>.</summary>
    public static Func<TimeSpan, TimeSpan> Margin(double fraction, TimeSpan max) =>
        lifetime => lifetime * fraction < max ? lifetime * fraction : max;

    /// <summary>The cached token of <paramref name="key"/> while it is fresh.</summary>
    public bool TryGet(TKey key, out TToken token)
    {
        var fresh = _entries.TryGetValue(key, out var entry) && time.GetUtcNow() < entry.RefreshAt;
        token = fresh ? entry!.Token : null!;
        return fresh;
    }

    /// <summary>
    /// The fresh token of <paramref name="key"/>, else the one <paramref name="create"/> makes (with its lifetime,
    /// null for none), shared with every caller asking meanwhile. The creation runs on the token of the caller that
    /// started it; when that caller gives up, a caller still waiting starts its own rather than failing with it.
    /// </summary>
    public async Task<TToken> GetOrCreateAsync(TKey key, Func<CancellationToken, Task<(TToken Token, TimeSpan? Lifetime)>> create, CancellationToken cancellationToken)
    {
        while (true)
        {
            if (TryGet(key, out var cached))
            {
                return cached;
            }

            var started = false;
            Lazy<Task<TToken>>? flight = null;
            flight = new Lazy<Task<TToken>>(() =>
            {
                started = true;
                return CreateAsync(key, flight!, create, cancellationToken);
            });
            try
            {
                return await _inFlight.GetOrAdd(key, flight).Value.WaitAsync(cancellationToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (!started && !cancellationToken.IsCancellationRequested)
            {
                // The caller that started the shared creation gave up, not this one: start another.
            }
        }
    }

    /// <summary>Keeps <paramref name="token"/> for <paramref name="key"/> until its margin before <paramref name="lifetime"/> ends (null: no end).</summary>
    public TToken Add(TKey key, TToken token, TimeSpan? lifetime)
    {
        var now = time.GetUtcNow();
        var refreshAt = lifetime is { } life ? now + life - margin(life) : DateTimeOffset.MaxValue;
        if (refreshAt <= now)
        {
            return token;
        }

        if (_entries.Count >= _capacity && !_entries.ContainsKey(key))
        {
            Prune(now);
        }

        _entries[key] = new Entry(token, refreshAt, Interlocked.Increment(ref _added));
        return token;
    }

    /// <summary>
    /// Makes room: tokens past their refresh point go first (nobody is handed them again); if that is not
    /// enough, the oldest go, an eighth of the capacity at once so a full cache is not sorted on every add.
    /// </summary>
    private void Prune(DateTimeOffset now)
    {
        lock (_pruning)
        {
            foreach (var stale in _entries.Where(e => e.Value.RefreshAt <= now))
            {
                _entries.TryRemove(stale);
            }

            if (_entries.Count < _capacity)
            {
                return;
            }

            var excess = _entries.Count - (_capacity - Math.Max(1, _capacity / 8));
            foreach (var old in _entries.OrderBy(e => e.Value.Added).Take(excess).ToList())
            {
                _entries.TryRemove(old);
            }
        }
    }

    private async Task<TToken> CreateAsync(TKey key, Lazy<Task<TToken>> flight, Func<CancellationToken, Task<(TToken Token, TimeSpan? Lifetime)>> create, CancellationToken cancellationToken)
    {
        try
        {
            // A caller that missed the cache just as the previous creation finished finds its token here.
            if (TryGet(key, out var fresh))
            {
                return fresh;
            }

            var (token, lifetime) = await create(cancellationToken).ConfigureAwait(false);
            return Add(key, token, lifetime);
        }
        finally
        {
            _inFlight.TryRemove(KeyValuePair.Create(key, flight));
        }
    }

    /// <summary>Forgets a token the backend refused, unless another caller already replaced it.</summary>
    public void Invalidate(TKey key, TToken token)
    {
        if (_entries.TryGetValue(key, out var entry) && ReferenceEquals(entry.Token, token))
        {
            _entries.TryRemove(KeyValuePair.Create(key, entry));
        }
    }

    private sealed record Entry(TToken Token, DateTimeOffset RefreshAt, long Added)
    {
        public override string ToString() => $"token (refresh at {RefreshAt:O})";
    }
}
