namespace CsiDriver.Observability;

/// <summary>
/// A gauge per label set that callers set and delete (status conditions, last reconcile durations), or read when
/// scraped.
/// </summary>
internal sealed class LabelledGaugeFamily(string name, string help, string[] labels) : MetricFamily<Func<double>>(name, help, "gauge", labels)
{
    public void Set(double value, params string[] values) => Replace(values, () => value);

    /// <summary>Reads the value of the label set from <paramref name="read"/> at every scrape.</summary>
    public void Read(Func<double> read, params string[] values) => Replace(values, read);

    public void Remove(params string[] values) => Delete(values);

    protected override void Render(StringBuilder text, string[] values, Func<double> read) => Sample(text, "", values, Format(read()));
}
