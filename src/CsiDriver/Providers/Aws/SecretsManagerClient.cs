namespace CsiDriver.Providers.Aws;

/// <summary>
/// AWS Secrets Manager over JSON 1.1. Covers: GetSecretValue, DescribeSecret,
/// BatchGetSecretValue (by SecretIdList, following NextToken). Backend call names: <c>get_secret_value</c>,
/// <c>describe_secret</c>, <c>batch_get_secret_value</c> (one per page).
/// </summary>
internal sealed partial class SecretsManagerClient(AwsJsonClient json)
{
    /// <summary>The service's limit on SecretIdList entries per BatchGetSecretValue call.</summary>
    public const int BatchLimit = 20;

    private readonly AwsJsonClient _json = json;

    public Task<SecretValueEntry> GetSecretValueAsync(AwsEndpoint endpoint, AwsCredentials credentials, string secretId, string? versionId, string? versionStage, CancellationToken cancellationToken) =>
        _json.InvokeAsync(
            endpoint,
            "secretsmanager.GetSecretValue",
            "get_secret_value",
            new GetSecretValueRequest { SecretId = secretId, VersionId = Blank(versionId), VersionStage = Blank(versionStage) },
            AwsJsonContext.Default.GetSecretValueRequest,
            AwsJsonContext.Default.SecretValueEntry,
            credentials,
            cancellationToken);

    public Task<DescribeSecretResponse> DescribeSecretAsync(AwsEndpoint endpoint, AwsCredentials credentials, string secretId, CancellationToken cancellationToken) =>
        _json.InvokeAsync(
            endpoint,
            "secretsmanager.DescribeSecret",
            "describe_secret",
            new DescribeSecretRequest { SecretId = secretId },
            AwsJsonContext.Default.DescribeSecretRequest,
            AwsJsonContext.Default.DescribeSecretResponse,
            credentials,
            cancellationToken);

    /// <summary>Values and per-secret errors for up to <see cref="BatchLimit"/> ids, all pages.</summary>
    public async Task<(List<SecretValueEntry> Values, List<BatchGetSecretError> Errors)> BatchGetSecretValueAsync(
        AwsEndpoint endpoint, AwsCredentials credentials, IReadOnlyList<string> secretIds, CancellationToken cancellationToken)
    {
        var values = new List<SecretValueEntry>();
        var errors = new List<BatchGetSecretError>();
        await Pages.ReadAllAsync(
            next => _json.InvokeAsync(
                endpoint,
                "secretsmanager.BatchGetSecretValue",
                "batch_get_secret_value",
                new BatchGetSecretValueRequest { SecretIdList = [.. secretIds], NextToken = next },
                AwsJsonContext.Default.BatchGetSecretValueRequest,
                AwsJsonContext.Default.BatchGetSecretValueResponse,
                credentials,
                cancellationToken),
            page =>
            {
                values.AddRange(page.SecretValues ?? []);
                errors.AddRange(page.Errors ?? []);
                return page.NextToken;
            },
            secretIds.Count + 1).ConfigureAwait(false);
        return (values, errors);
    }

    private static string? Blank(string? value) => string.IsNullOrEmpty(value) ? null : value;
}
