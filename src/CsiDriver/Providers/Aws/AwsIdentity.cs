namespace CsiDriver.Providers.Aws;

/// <summary>
/// Who a fetch runs as. <see cref="Principal"/> is the IAM identity (what IAM policies grant to:
/// batch-denial memory is kept per principal); <see cref="CacheKey"/> also names the pod, so cached
/// values are only ever served back to the pod that read them.
/// </summary>
internal sealed record AwsIdentity(string Principal, string CacheKey, AwsCredentials Credentials)
{
    public override string ToString() => Principal;
}
