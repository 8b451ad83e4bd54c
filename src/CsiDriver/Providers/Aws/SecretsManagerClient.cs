namespace CsiDriver.Providers.Aws;

/// <summary>
/// AWS Secrets Manager over JSON 1.1. Covers: GetSecretValue, DescribeSecret (with tags),
/// BatchGetSecretValue (by SecretIdList, following NextToken), ListSecrets (following NextToken), CreateSecret,
/// PutSecretValue, DeleteSecret. Backend call names: <c>get_secret_value</c>, <c>describe_secret</c>,
/// <c>batch_get_secret_value</c> and <c>list_secrets</c> (one per page), <c>create_secret</c>, <c>put_secret_value</c>,
/// <c>delete_secret</c>.
/// </summary>
internal sealed class SecretsManagerClient(AwsJsonClient json)
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

    /// <summary>Every secret the filters select (all pages, at most <paramref name="maxPages"/>); deleted secrets left out.</summary>
    public Task<List<SecretDescription>> ListSecretsAsync(
        AwsEndpoint endpoint, AwsCredentials credentials, List<AwsListFilter>? filters, int maxPages, CancellationToken cancellationToken) =>
        Pages.ListAllAsync(
            next => json.InvokeAsync<ListSecretsResponse>(endpoint, credentials, "secretsmanager.ListSecrets", new ListSecretsRequest(filters, NextToken: next), cancellationToken),
            page => (page.SecretList ?? []).Where(s => s.DeletedDate is null && !string.IsNullOrEmpty(s.Name)),
            page => page.NextToken,
            maxPages);

    public Task<SecretWriteResponse> CreateSecretAsync(
        AwsEndpoint endpoint, AwsCredentials credentials, string name, byte[] value, List<AwsTag> tags, string requestToken, CancellationToken cancellationToken) =>
        json.InvokeAsync<SecretWriteResponse>(endpoint, credentials, "secretsmanager.CreateSecret", new CreateSecretRequest(name, value, tags, requestToken), cancellationToken);

    /// <summary>A new current version; <paramref name="requestToken"/> makes a retried attempt idempotent.</summary>
    public Task<SecretWriteResponse> PutSecretValueAsync(
        AwsEndpoint endpoint, AwsCredentials credentials, string secretId, byte[] value, string requestToken, CancellationToken cancellationToken) =>
        json.InvokeAsync<SecretWriteResponse>(endpoint, credentials, "secretsmanager.PutSecretValue", new PutSecretValueRequest(secretId, value, requestToken), cancellationToken);

    public Task<AwsEmptyResponse> DeleteSecretAsync(
        AwsEndpoint endpoint, AwsCredentials credentials, string secretId, long? recoveryWindowInDays, bool forceDeleteWithoutRecovery, CancellationToken cancellationToken) =>
        json.InvokeAsync<AwsEmptyResponse>(
            endpoint,
            credentials,
            "secretsmanager.DeleteSecret",
            new DeleteSecretRequest(secretId, forceDeleteWithoutRecovery ? null : recoveryWindowInDays, forceDeleteWithoutRecovery ? true : null),
            cancellationToken);
}
