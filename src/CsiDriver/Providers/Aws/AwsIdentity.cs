namespace CsiDriver.Providers.Aws;

/// <summary>
/// Who a fetch runs as. <see cref="Principal"/> is the IAM identity (what IAM policies grant to:
/// batch-denial memory is kept per principal). <see cref="ReadIdentity"/> is what reads are shared and cached
/// under: the principal, and for static keys also a hash of the secret key, so a volume holding a wrong key
/// for the same key id is never served another's read. Never a credential.
/// </summary>
internal sealed record AwsIdentity(string Principal, string ReadIdentity, AwsCredentials Credentials)
{
    public override string ToString() => Principal;
}
