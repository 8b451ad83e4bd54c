namespace CsiDriver.Observability;

/// <summary>
/// A small Prometheus registry (no exporter package restores here): labelled counters, gauges and
/// histograms rendered in the text exposition format 0.0.4.
/// </summary>
internal sealed class MetricsRegistry
{
    private readonly List<IMetricFamily> _families = [];

    public CounterFamily Counter(string name, string help, params string[] labels) => Add(new CounterFamily(name, help, labels));

    public HistogramFamily Histogram(string name, string help, double[] buckets, params string[] labels) => Add(new HistogramFamily(name, help, labels, buckets));

    public void Gauge(string name, string help, Func<double> read) => Add(new GaugeFamily(name, help, read));

    public LabelledGaugeFamily LabelledGauge(string name, string help, params string[] labels) => Add(new LabelledGaugeFamily(name, help, labels));

    public string Render()
    {
        var text = new StringBuilder(4096);
        lock (_families)
        {
            foreach (var family in _families)
            {
                family.Render(text);
            }
        }

        return text.ToString();
    }

    private T Add<T>(T family)
        where T : IMetricFamily
    {
        lock (_families)
        {
            _families.Add(family);
        }

        return family;
    }

    /// <summary>The <c># HELP</c> and <c># TYPE</c> lines that open a family.</summary>
    internal static void AppendHeader(StringBuilder text, string name, string help, string type) =>
        text.Append("# HELP ").Append(name).Append(' ').Append(help).Append("\n# TYPE ").Append(name).Append(' ').Append(type).Append('\n');

    internal static string Escape(string value) =>
        value.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal).Replace("\n", "\\n", StringComparison.Ordinal);

    internal static string Format(double value) =>
        double.IsPositiveInfinity(value) ? "+Inf" : value.ToString("R", CultureInfo.InvariantCulture);

    internal static string LabelText(string[] names, string[] values, string? extraName = null, string? extraValue = null)
    {
        if (names.Length == 0 && extraName is null)
        {
            return string.Empty;
        }

        var parts = names.Select((n, i) => $"{n}=\"{Escape(values[i])}\"");
        if (extraName is not null)
        {
            parts = parts.Append($"{extraName}=\"{extraValue}\"");
        }

        return "{" + string.Join(",", parts) + "}";
    }
}

internal interface IMetricFamily
{
    void Render(StringBuilder text);
}

/// <summary>A monotonically increasing count per label set.</summary>
internal sealed class CounterFamily(string name, string help, string[] labels) : IMetricFamily
{
    private readonly ConcurrentDictionary<string, (string[] Values, long[] Count)> _series = new(StringComparer.Ordinal);

    public void Increment(params string[] values)
    {
        var series = _series.GetOrAdd(string.Join('\u0001', values), _ => (values, new long[1]));
        Interlocked.Increment(ref series.Count[0]);
    }

    public void Render(StringBuilder text)
    {
        MetricsRegistry.AppendHeader(text, name, help, "counter");
        foreach (var (values, count) in _series.Values.OrderBy(s => string.Join(',', s.Values), StringComparer.Ordinal))
        {
            text.Append(name).Append(MetricsRegistry.LabelText(labels, values)).Append(' ')
                .Append(Interlocked.Read(ref count[0]).ToString(CultureInfo.InvariantCulture)).Append('\n');
        }
    }
}

/// <summary>A value read when scraped.</summary>
internal sealed class GaugeFamily(string name, string help, Func<double> read) : IMetricFamily
{
    public void Render(StringBuilder text)
    {
        MetricsRegistry.AppendHeader(text, name, help, "gauge");
        text.Append(name).Append(' ').Append(MetricsRegistry.Format(read())).Append('\n');
    }
}

/// <summary>Observations in cumulative buckets per label set.</summary>
internal sealed class HistogramFamily(string name, string help, string[] labels, double[] buckets) : IMetricFamily
{
    private readonly ConcurrentDictionary<string, Series> _series = new(StringComparer.Ordinal);

    public void Observe(double value, params string[] values)
    {
        var series = _series.GetOrAdd(string.Join('\u0001', values), _ => new Series(values, buckets.Length));
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

    public void Render(StringBuilder text)
    {
        MetricsRegistry.AppendHeader(text, name, help, "histogram");
        foreach (var series in _series.Values.OrderBy(s => string.Join(',', s.Values), StringComparer.Ordinal))
        {
            lock (series)
            {
                for (var i = 0; i < buckets.Length; i++)
                {
                    text.Append(name).Append("_bucket").Append(MetricsRegistry.LabelText(labels, series.Values, "le", MetricsRegistry.Format(buckets[i])))
                        .Append(' ').Append(series.Buckets[i].ToString(CultureInfo.InvariantCulture)).Append('\n');
                }

                text.Append(name).Append("_bucket").Append(MetricsRegistry.LabelText(labels, series.Values, "le", "+Inf"))
                    .Append(' ').Append(series.Count.ToString(CultureInfo.InvariantCulture)).Append('\n');
                text.Append(name).Append("_sum").Append(MetricsRegistry.LabelText(labels, series.Values)).Append(' ').Append(MetricsRegistry.Format(series.Sum)).Append('\n');
                text.Append(name).Append("_count").Append(MetricsRegistry.LabelText(labels, series.Values)).Append(' ').Append(series.Count.ToString(CultureInfo.InvariantCulture)).Append('\n');
            }
        }
    }

    /// <summary>Exponential bucket bounds from <paramref name="min"/> to <paramref name="max"/> (Prometheus' ExponentialBucketsRange).</summary>
    public static double[] ExponentialRange(double min, double max, int count)
    {
        var factor = Math.Pow(max / min, 1.0 / (count - 1));
        return Enumerable.Range(0, count).Select(i => min * Math.Pow(factor, i)).ToArray();
    }

    private sealed class Series(string[] values, int buckets)
    {
        public string[] Values { get; } = values;

        public long[] Buckets { get; } = new long[buckets];

        public long Count { get; set; }

        public double Sum { get; set; }
    }
}
