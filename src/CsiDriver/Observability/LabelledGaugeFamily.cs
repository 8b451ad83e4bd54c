namespace CsiDriver.Observability;

/// <summary>A gauge per label set that callers set and delete (status conditions, last reconcile durations).</summary>
internal sealed class LabelledGaugeFamily(string name, string help, string[] labels) : IMetricFamily
{
    private readonly ConcurrentDictionary<string, (string[] Values, double Value)> _series = new(StringComparer.Ordinal);

    public void Set(double value, params string[] values) => _series[string.Join('\u0001', values)] = (values, value);

    public void Remove(params string[] values) => _series.TryRemove(string.Join('\u0001', values), out _);

    public void Render(StringBuilder text)
    {
        MetricsRegistry.AppendHeader(text, name, help, "gauge");
        foreach (var (values, value) in _series.Values.OrderBy(s => string.Join(',', s.Values), StringComparer.Ordinal))
        {
            text.Append(name).Append(MetricsRegistry.LabelText(labels, values)).Append(' ').Append(MetricsRegistry.Format(value)).Append('\n');
        }
    }
}
