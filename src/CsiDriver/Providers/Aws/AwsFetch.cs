namespace CsiDriver.Providers.Aws;

/// <summary>One object's value as read from AWS, with the version it reports. <see cref="ToString"/> hides the value.</summary>
internal sealed record FetchedValue(AwsObject Object, byte[] Value, string Version)
{
    public override string ToString() => $"{Object.Name} version {Version} ({Value.Length} bytes)";
}

/// <summary>A fetch of one object (or one batch) in one region failed; the provider decides on failover and wording.</summary>
internal sealed class AwsFetchException : Exception
{
    public AwsFetchException(string region, string subject, AwsServiceException cause)
        : base($"{region}: {subject}: {cause.Message}", cause)
    {
        Region = region;
        Subject = subject;
        Cause = cause;
    }

    public string Region { get; }

    /// <summary>What failed, in upstream's words, e.g. <c>Failed fetching secret MySecret</c>.</summary>
    public string Subject { get; }

    public AwsServiceException Cause { get; }
}
