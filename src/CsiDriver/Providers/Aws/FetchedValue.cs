namespace CsiDriver.Providers.Aws;

/// <summary>One object's value as read from AWS (or kept from an earlier read), with the version AWS reports. <see cref="ToString"/> hides the value.</summary>
internal sealed record FetchedValue(byte[] Value, string Version)
{
    public override string ToString() => $"version {Version} ({Value.Length} bytes)";
}
