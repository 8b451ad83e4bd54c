using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;

namespace CsiDriver.Providers.Gcp;

/// <summary>A Google OAuth access token; <see cref="ToString"/> never shows it.</summary>
internal sealed record AccessToken(string Value, DateTimeOffset ExpiresAt)
{
    public override string ToString() => $"access token valid until {ExpiresAt:o}";
}

/// <summary>
/// Access tokens per identity, reused until shortly before they expire so rotation polls do not
/// repeat the exchange. Concurrent requests for the same identity (the volumes of one rotation pass)
/// share one exchange in flight. Keys name an identity, never contain a token.
/// </summary>
internal sealed class AccessTokenCache
{
    private const int PruneAbove = 1024;

    private readonly ConcurrentDictionary<string, Entry> _entries = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, Lazy<Task<AccessToken>>> _inFlight = new(StringComparer.Ordinal);
    private readonly TimeProvider _time;
    private readonly TimeSpan _margin;
    private readonly ILogger _logger;

    public AccessTokenCache(TimeProvider time, TimeSpan margin, ILogger logger)
    {
        _time = time;
        _margin = margin;
        _logger = logger;
    }

    public async Task<AccessToken> GetOrCreateAsync(string identity, Func<CancellationToken, Task<AccessToken>> create, CancellationToken cancellationToken)
    {
        while (true)
        {
            if (_entries.TryGetValue(identity, out var cached) && _time.GetUtcNow() < cached.RefreshAt)
            {
                GcpLog.TokenCacheHit(_logger, identity);
                return cached.Token;
            }

            var started = false;
            var shared = _inFlight.GetOrAdd(
                identity,
                key => new Lazy<Task<AccessToken>>(
                    () =>
                    {
                        started = true;
                        return CreateAsync(key, create, cancellationToken);
                    },
                    LazyThreadSafetyMode.ExecutionAndPublication));
            try
            {
                return await shared.Value.WaitAsync(cancellationToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (!started && !cancellationToken.IsCancellationRequested)
            {
                // The caller that started the shared exchange was cancelled, not this one: start another.
            }
        }
    }

    private async Task<AccessToken> CreateAsync(string identity, Func<CancellationToken, Task<AccessToken>> create, CancellationToken cancellationToken)
    {
        try
        {
            var now = _time.GetUtcNow();

            // A caller that missed the cache just as the previous exchange finished finds its token here.
            if (_entries.TryGetValue(identity, out var fresh) && now < fresh.RefreshAt)
            {
                return fresh.Token;
            }

            var token = await create(cancellationToken).ConfigureAwait(false);
            GcpLog.TokenObtained(_logger, identity, token.ExpiresAt);

            // Short-lived tokens are refreshed at half their life rather than never being reused.
            var life = token.ExpiresAt - now;
            var refreshAt = token.ExpiresAt - (life / 2 < _margin ? life / 2 : _margin);
            if (refreshAt > now)
            {
                if (_entries.Count >= PruneAbove)
                {
                    Prune(now);
                }

                _entries[identity] = new Entry(token, refreshAt);
            }

            return token;
        }
        finally
        {
            // Failures are not remembered: the next request tries again.
            _inFlight.TryRemove(identity, out _);
        }
    }

    private void Prune(DateTimeOffset now)
    {
        foreach (var (key, entry) in _entries)
        {
            if (entry.RefreshAt <= now)
            {
                _entries.TryRemove(key, out _);
            }
        }
    }

    private sealed record Entry(AccessToken Token, DateTimeOffset RefreshAt);
}
