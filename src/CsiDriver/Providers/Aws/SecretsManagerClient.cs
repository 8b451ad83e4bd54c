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

    public Task<SecretValueEntry> GetSecretValueAsync(AwsEndpoint endpoint, AwsCredentials credentials, string secretId, string? versionId, string? versionStage, CancellationToken cancellationToken) =>
        json.InvokeAsync<SecretValueEntry>(endpoint, credentials, "secretsmanager.GetSecretValue", new GetSecretValueRequest(secretId, ProviderParameters.NullIfEmpty(versionId), ProviderParameters.NullIfEmpty(versionStage)), cancellationToken);

    public Task<SecretDescription> DescribeSecretAsync(AwsEndpoint endpoint, AwsCredentials credentials, string secretId, CancellationToken cancellationToken) =>
        json.InvokeAsync<SecretDescription>(endpoint, credentials, "secretsmanager.DescribeSecret", new SecretIdRequest(secretId), cancellationToken);

    /// <summary>Values and per-secret errors for up to <see cref="BatchLimit"/> ids, all pages.</summary>
    public async Task<(List<SecretValueEntry> Values, List<BatchGetSecretError> Errors)> BatchGetSecretValueAsync(
        AwsEndpoint endpoint, AwsCredentials credentials, IReadOnlyList<string> secretIds, CancellationToken cancellationToken)
    {
        var values = new List<SecretValueEntry>();
        var errors = new List<BatchGetSecretError>();
        await Pages.ReadAllAsync(
            next => json.InvokeAsync<BatchGetSecretValueResponse>(endpoint, credentials, "secretsmanager.BatchGetSecretValue", new BatchGetSecretValueRequest([.. secretIds], next), cancellationToken),
            page =>
            {
                values.AddRange(page.SecretValues ?? []);
                errors.AddRange(page.Errors ?? []);
                return page.NextToken;
            },
            secretIds.Count + 1).ConfigureAwait(false);
        return (values, errors);
    }
}
