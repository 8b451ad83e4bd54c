namespace CsiDriver.ExternalSecrets.Runtime;

/// <summary>
/// Per-key exponential backoff after failed reconciles, as the External Secrets Operator configures
/// controller-runtime: 1 s, 2 s, 4 s, ... capped at 7 minutes; a success forgets the key.
/// </summary>
internal sealed class ItemBackoff
{
    public static readonly TimeSpan Initial = TimeSpan.FromSeconds(1);

    public static readonly TimeSpan Max = TimeSpan.FromMinutes(7);

    private readonly Lock _gate = new();
    private readonly Dictionary<ObjectKey, int> _failures = [];

    /// <summary>Counts one more failure of <paramref name="key"/> and returns how long to wait before retrying.</summary>
    public TimeSpan NextDelay(ObjectKey key)
    {
        int failures;
        lock (_gate)
        {
            failures = _failures[key] = _failures.GetValueOrDefault(key) + 1;
        }

        var exponential = Initial.TotalSeconds * Math.Pow(2, Math.Min(failures - 1, 30));
        return exponential >= Max.TotalSeconds ? Max : TimeSpan.FromSeconds(exponential);
    }

    public int Failures(ObjectKey key)
    {
        lock (_gate)
        {
            return _failures.GetValueOrDefault(key);
        }
    }

    public void Forget(ObjectKey key)
    {
        lock (_gate)
        {
            _failures.Remove(key);
        }
    }
}
