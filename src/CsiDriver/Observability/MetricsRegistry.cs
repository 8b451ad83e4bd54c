namespace CsiDriver.Observability;

/// <summary>
/// A small Prometheus registry (no exporter package restores here): labelled counters, gauges and
/// histograms rendered in the text exposition format 0.0.4.
/// </summary>
internal sealed class MetricsRegistry
{
    // Enumerated as a snapshot in the order added, which is the exposition order.
    private readonly ConcurrentQueue<IMetricFamily> _families = new();

    public CounterFamily Counter(string name, string help, params string[] labels) => Add(new CounterFamily(name, help, labels));

    public HistogramFamily Histogram(string name, string help, double[] buckets, params string[] labels) => Add(new HistogramFamily(name, help, labels, buckets));

    /// <summary>A gauge without labels, read when scraped.</summary>
    public void Gauge(string name, string help, Func<double> read) => LabelledGauge(name, help).Read(read);

    public LabelledGaugeFamily LabelledGauge(string name, string help, params string[] labels) => Add(new LabelledGaugeFamily(name, help, labels));

    public string Render()
    {
        var text = new StringBuilder(4096);
        foreach (var family in _families)
        {
            family.Render(text);
        }

        return text.ToString();
    }

    private T Add<T>(T family)
        where T : IMetricFamily
    {
        _families.Enqueue(family);
        return family;
    }
}

internal interface IMetricFamily
{
    void Render(StringBuilder text);
}

/// <summary>
/// One metric family: a series per label set, written under its <c># HELP</c> and <c># TYPE</c> lines in label order.
/// </summary>
internal abstract class MetricFamily<TSeries>(string name, string help, string type, string[] labels) : IMetricFamily
{
    private readonly ConcurrentDictionary<string, (string[] Values, TSeries Series)> _series = new(StringComparer.Ordinal);

    public void Render(StringBuilder text)
    {
        text.Append("# HELP ").Append(name).Append(' ').Append(help).Append("\n# TYPE ").Append(name).Append(' ').Append(type).Append('\n');
        foreach (var (values, series) in _series.Values.OrderBy(s => string.Join(',', s.Values), StringComparer.Ordinal))
        {
            Render(text, values, series);
        }
    }

    /// <summary>Writes the sample lines of one label set with <see cref="Sample"/>.</summary>
    protected abstract void Render(StringBuilder text, string[] values, TSeries series);

    /// <summary>The series of one label set; <paramref name="create"/> makes it on first use.</summary>
    protected TSeries GetOrAdd(string[] values, Func<TSeries> create) => _series.GetOrAdd(Key(values), _ => (values, create())).Series;

    protected void Replace(string[] values, TSeries series) => _series[Key(values)] = (values, series);

    protected void Delete(string[] values) => _series.TryRemove(Key(values), out _);

    /// <summary>One sample line: the name with <paramref name="suffix"/>, the labels (and a bucket's <c>le</c>), the value.</summary>
    protected void Sample(StringBuilder text, string suffix, string[] values, string value, string? le = null)
    {
        var pairs = labels.Select((label, i) => $"{label}=\"{Escape(values[i])}\"");
        text.Append(name).Append(suffix);
        if (labels.Length > 0 || le is not null)
        {
            text.Append('{').AppendJoin(',', le is null ? pairs : pairs.Append($"le=\"{le}\"")).Append('}');
        }

        text.Append(' ').Append(value).Append('\n');
    }

    protected static string Format(double value) =>
        double.IsPositiveInfinity(value) ? "+Inf" : value.ToString("R", CultureInfo.InvariantCulture);

    protected static string Format(long value) => value.ToString(CultureInfo.InvariantCulture);

    private static string Escape(string value) =>
        value.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal).Replace("\n", "\\n", StringComparison.Ordinal);

    private static string Key(string[] values) => string.Join('\u0001', values);
}

/// <summary>A monotonically increasing count per label set.</summary>
internal sealed class CounterFamily(string name, string help, string[] labels) : MetricFamily<long[]>(name, help, "counter", labels)
{
    public void Increment(params string[] values) => Interlocked.Increment(ref GetOrAdd(values, () => new long[1])[0]);

    protected override void Render(StringBuilder text, string[] values, long[] count) => Sample(text, "", values, Format(Interlocked.Read(ref count[0])));
}

/// <summary>Observations in cumulative buckets per label set.</summary>
internal sealed class HistogramFamily(string name, string help, string[] labels, double[] buckets)
    : MetricFamily<HistogramFamily.Series>(name, help, "histogram", labels)
{
    public void Observe(double value, params string[] values)
    {
        var series = GetOrAdd(values, () => new Series(buckets.Length));
        lock (series)
        {
            for (var i = 0; i < buckets.Length; i++)
            {
                if (value <= buckets[i])
                {
                    series.Buckets[i]++;
                }
            }

            series.Count++;
            series.Sum += value;
        }
    }

    protected override void Render(StringBuilder text, string[] values, Series series)
    {
        lock (series)
        {
            for (var i = 0; i < buckets.Length; i++)
            {
                Sample(text, "_bucket", values, Format(series.Buckets[i]), Format(buckets[i]));
            }

            Sample(text, "_bucket", values, Format(series.Count), "+Inf");
            Sample(text, "_sum", values, Format(series.Sum));
            Sample(text, "_count", values, Format(series.Count));
        }
    }

    /// <summary>Exponential bucket bounds from <paramref name="min"/> to <paramref name="max"/> (Prometheus' ExponentialBucketsRange).</summary>
    public static double[] ExponentialRange(double min, double max, int count)
    {
        var factor = Math.Pow(max / min, 1.0 / (count - 1));
        return Enumerable.Range(0, count).Select(i => min * Math.Pow(factor, i)).ToArray();
    }

    internal sealed class Series(int buckets)
    {
        public long[] Buckets { get; } = new long[buckets];

        public long Count { get; set; }

        public double Sum { get; set; }
    }
}
