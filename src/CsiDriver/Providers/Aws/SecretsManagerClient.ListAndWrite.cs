namespace CsiDriver.Providers.Aws;

/// <summary>
/// Secrets Manager listing and writes (tags come with <see cref="DescribeSecretAsync"/>). Covers: ListSecrets
/// (following NextToken), CreateSecret, PutSecretValue, DeleteSecret. Backend call names: <c>list_secrets</c> (one per
/// page), <c>create_secret</c>, <c>put_secret_value</c>, <c>delete_secret</c>.
/// </summary>
internal sealed partial class SecretsManagerClient
{
    /// <summary>Every secret the filters select (all pages, at most <paramref name="maxPages"/>); deleted secrets left out.</summary>
    public async Task<List<SecretListEntry>> ListSecretsAsync(
        AwsEndpoint endpoint, AwsCredentials credentials, List<AwsListFilter>? filters, int maxPages, CancellationToken cancellationToken)
    {
        var secrets = new List<SecretListEntry>();
        await Pages.ReadAllAsync(
            next => _json.InvokeAsync(
                endpoint,
                "secretsmanager.ListSecrets",
                "list_secrets",
                new ListSecretsRequest { Filters = filters, NextToken = next },
                AwsWriteJsonContext.Default.ListSecretsRequest,
                AwsWriteJsonContext.Default.ListSecretsResponse,
                credentials,
                cancellationToken),
            page =>
            {
                secrets.AddRange((page.SecretList ?? []).Where(s => s.DeletedDate is null && !string.IsNullOrEmpty(s.Name)));
                return page.NextToken;
            },
            maxPages).ConfigureAwait(false);
        return secrets;
    }

    public Task<SecretWriteResponse> CreateSecretAsync(
        AwsEndpoint endpoint, AwsCredentials credentials, string name, byte[] value, List<AwsTag> tags, string requestToken, CancellationToken cancellationToken) =>
        _json.InvokeAsync(
            endpoint,
            "secretsmanager.CreateSecret",
            "create_secret",
            new CreateSecretRequest { Name = name, SecretBinary = value, Tags = tags, ClientRequestToken = requestToken },
            AwsWriteJsonContext.Default.CreateSecretRequest,
            AwsWriteJsonContext.Default.SecretWriteResponse,
            credentials,
            cancellationToken);

    /// <summary>A new current version; <paramref name="requestToken"/> makes a retried attempt idempotent.</summary>
    public Task<SecretWriteResponse> PutSecretValueAsync(
        AwsEndpoint endpoint, AwsCredentials credentials, string secretId, byte[] value, string requestToken, CancellationToken cancellationToken) =>
        _json.InvokeAsync(
            endpoint,
            "secretsmanager.PutSecretValue",
            "put_secret_value",
            new PutSecretValueRequest { SecretId = secretId, SecretBinary = value, ClientRequestToken = requestToken },
            AwsWriteJsonContext.Default.PutSecretValueRequest,
            AwsWriteJsonContext.Default.SecretWriteResponse,
            credentials,
            cancellationToken);

    public Task<AwsEmptyResponse> DeleteSecretAsync(
        AwsEndpoint endpoint, AwsCredentials credentials, string secretId, long? recoveryWindowInDays, bool forceDeleteWithoutRecovery, CancellationToken cancellationToken) =>
        _json.InvokeAsync(
            endpoint,
            "secretsmanager.DeleteSecret",
            "delete_secret",
            new DeleteSecretRequest
            {
                SecretId = secretId,
                RecoveryWindowInDays = forceDeleteWithoutRecovery ? null : recoveryWindowInDays,
                ForceDeleteWithoutRecovery = forceDeleteWithoutRecovery ? true : null,
            },
            AwsWriteJsonContext.Default.DeleteSecretRequest,
            AwsWriteJsonContext.Default.AwsEmptyResponse,
            credentials,
            cancellationToken);
}
