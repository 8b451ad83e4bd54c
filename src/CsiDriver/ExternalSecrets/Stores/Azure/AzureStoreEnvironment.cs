namespace CsiDriver.ExternalSecrets.Stores.Azure;

/// <summary>
/// What the controller's own environment adds to azurekv stores, read once at startup: <c>AZURE_TENANT_ID</c> (set by the
/// Azure workload identity webhook on the controller's pod) is the tenant of a <c>WorkloadIdentity</c> store that names
/// none, as the operator does.
/// </summary>
internal sealed record AzureStoreEnvironment(string? TenantId)
{
    public const string TenantIdVariable = "AZURE_TENANT_ID";

    public static AzureStoreEnvironment FromEnvironment() =>
        new(Environment.GetEnvironmentVariable(TenantIdVariable) is { } tenant && !string.IsNullOrWhiteSpace(tenant) ? tenant.Trim() : null);
}
