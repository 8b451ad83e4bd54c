namespace CsiDriver.Providers.Aws;

/// <summary>An AWS key pair (and session token) a request is signed with. <see cref="ToString"/> shows only the key id.</summary>
internal sealed record AwsCredentials(string AccessKeyId, string SecretAccessKey, string? SessionToken, DateTimeOffset? Expiration)
{
    public override string ToString() => $"credentials {AccessKeyId} (expires {Expiration:O})";
}
