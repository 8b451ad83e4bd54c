namespace CsiDriver.Providers.Aws;

/// <summary>
/// Secrets Manager listing and writes (tags come with <see cref="DescribeSecretAsync"/>). Covers: ListSecrets
/// (following NextToken), CreateSecret, PutSecretValue, DeleteSecret. Backend call names: <c>list_secrets</c> (one per
/// page), <c>create_secret</c>, <c>put_secret_value</c>, <c>delete_secret</c>.
/// </summary>
internal sealed partial class SecretsManagerClient
{
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
