namespace CsiDriver.Providers.Aws;

/// <summary>One object's value as read from AWS, with the version it reports. <see cref="ToString"/> hides the value.</summary>
internal sealed record FetchedValue(AwsObject Object, byte[] Value, string Version)
{
    public override string ToString() => $"{Object.Name} version {Version} ({Value.Length} bytes)";
}
