namespace CsiDriver.ExternalSecrets.Stores.Aws;

/// <summary>
/// The controller pod's own AWS identity, for stores without <c>auth</c> (the SDK default chain the operator uses, in its
/// order): static keys (<c>AWS_ACCESS_KEY_ID</c>), IRSA (<c>AWS_WEB_IDENTITY_TOKEN_FILE</c> + <c>AWS_ROLE_ARN</c>), or EKS Pod
/// Identity (<c>AWS_CONTAINER_CREDENTIALS_FULL_URI</c> + <c>AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE</c>). Read once from
/// the environment so tests inject their own.
/// </summary>
internal sealed record AwsControllerIdentity(
    string? AccessKeyId, string? SecretAccessKey, string? SessionToken, string? WebIdentityTokenFile, string? RoleArn, string? PodIdentityTokenFile, bool PodIdentity)
{
    public static AwsControllerIdentity None { get; } = new(null, null, null, null, null, null, false);

    public static AwsControllerIdentity FromEnvironment(Func<string, string?> env) => new(
        NonEmpty(env("AWS_ACCESS_KEY_ID")),
        NonEmpty(env("AWS_SECRET_ACCESS_KEY")),
        NonEmpty(env("AWS_SESSION_TOKEN")),
        NonEmpty(env("AWS_WEB_IDENTITY_TOKEN_FILE")),
        NonEmpty(env("AWS_ROLE_ARN")),
        NonEmpty(env("AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE")),
        NonEmpty(env("AWS_CONTAINER_CREDENTIALS_FULL_URI")) is not null);

    public override string ToString() =>
        AccessKeyId is not null ? $"controller key {AccessKeyId}"
        : WebIdentityTokenFile is not null && RoleArn is not null ? $"controller irsa:{RoleArn}"
        : PodIdentity && PodIdentityTokenFile is not null ? "controller pod-identity"
        : "no controller identity";

    private static string? NonEmpty(string? value) => string.IsNullOrWhiteSpace(value) ? null : value.Trim();
}
