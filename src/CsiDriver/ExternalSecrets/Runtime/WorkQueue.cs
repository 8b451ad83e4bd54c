namespace CsiDriver.ExternalSecrets.Runtime;

/// <summary>
/// One kind's queue of keys to reconcile, with client-go's guarantees: a key waiting is held once however
/// often it is added; a key being reconciled is not handed to a second worker, and if it was added meanwhile
/// it goes back on the queue when the first worker is done; timed adds keep one timer per key.
/// </summary>
internal sealed class WorkQueue(string kind, TimeProvider time) : IDisposable
{
    private readonly Lock _gate = new();
    private readonly Queue<ObjectKey> _ready = new();
    private readonly HashSet<ObjectKey> _dirty = [];
    private readonly HashSet<ObjectKey> _processing = [];
    private readonly Dictionary<ObjectKey, Scheduled> _scheduled = [];
    private readonly SemaphoreSlim _available = new(0);
    private bool _disposed;

    public string Kind { get; } = kind;

    /// <summary>Keys waiting for a worker (not counting timed ones).</summary>
    public int Depth
    {
        get
        {
            lock (_gate)
            {
                return _ready.Count;
            }
        }
    }

    /// <summary>Keys with a timed add pending.</summary>
    public int ScheduledCount
    {
        get
        {
            lock (_gate)
            {
                return _scheduled.Count;
            }
        }
    }

    public void Add(ObjectKey key)
    {
        lock (_gate)
        {
            if (_disposed || !_dirty.Add(key) || _processing.Contains(key))
            {
                return;
            }

            _ready.Enqueue(key);
        }

        _available.Release();
    }

    /// <summary>
    /// Adds <paramref name="key"/> after <paramref name="delay"/>, replacing any timed add already pending for it:
    /// the last reconcile's answer is what counts.
    /// </summary>
    public void AddAfter(ObjectKey key, TimeSpan delay)
    {
        if (delay <= TimeSpan.Zero)
        {
            CancelScheduled(key);
            Add(key);
            return;
        }

        lock (_gate)
        {
            if (_disposed)
            {
                return;
            }

            if (_scheduled.Remove(key, out var previous))
            {
                previous.Timer.Dispose();
            }

            var entry = new Scheduled();
            _scheduled[key] = entry;
            entry.Timer = time.CreateTimer(_ => Fire(key, entry), null, delay, Timeout.InfiniteTimeSpan);
        }
    }

    /// <summary>Drops a pending timed add (the key needs no timed reconcile any more).</summary>
    public void CancelScheduled(ObjectKey key)
    {
        lock (_gate)
        {
            if (_scheduled.Remove(key, out var previous))
            {
                previous.Timer.Dispose();
            }
        }
    }

    /// <summary>Waits for a key and marks it in progress; the caller must call <see cref="Done"/>.</summary>
    public async Task<ObjectKey> TakeAsync(CancellationToken cancellationToken)
    {
        while (true)
        {
            await _available.WaitAsync(cancellationToken).ConfigureAwait(false);
            lock (_gate)
            {
                if (_ready.TryDequeue(out var key))
                {
                    _dirty.Remove(key);
                    _processing.Add(key);
                    return key;
                }
            }
        }
    }

    public void Done(ObjectKey key)
    {
        lock (_gate)
        {
            _processing.Remove(key);
            if (_disposed || !_dirty.Contains(key))
            {
                return;
            }

            _ready.Enqueue(key);
        }

        _available.Release();
    }

    private void Fire(ObjectKey key, Scheduled entry)
    {
        lock (_gate)
        {
            if (!_scheduled.TryGetValue(key, out var current) || !ReferenceEquals(current, entry))
            {
                return;
            }

            _scheduled.Remove(key);
            entry.Timer.Dispose();
        }

        Add(key);
    }

    public void Dispose()
    {
        lock (_gate)
        {
            _disposed = true;
            foreach (var entry in _scheduled.Values)
            {
                entry.Timer.Dispose();
            }

            _scheduled.Clear();
        }

        _available.Dispose();
    }

    private sealed class Scheduled
    {
        public ITimer Timer { get; set; } = null!;
    }
}
