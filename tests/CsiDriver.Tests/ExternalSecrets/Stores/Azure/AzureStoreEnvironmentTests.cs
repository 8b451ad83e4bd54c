using CsiDriver.ExternalSecrets.Stores;
using CsiDriver.ExternalSecrets.Stores.Azure;
using CsiDriver.Publishing;
using CsiDriver.Tests.Providers.Azure;

namespace CsiDriver.Tests.ExternalSecrets.Stores.Azure;

/// <summary>The controller's <c>AZURE_TENANT_ID</c> as the last source of a WorkloadIdentity store's tenant, as the operator reads it.</summary>
public sealed class AzureStoreEnvironmentTests
{
    [Fact]
    public async Task WorkloadIdentity_NoTenantAnywhere_ControllersAzureTenantIdIsTheTenant()
    {
        await using var t = await AzureStoreTestContext.StartAsync(new AzureStoreEnvironment(FakeAzure.Tenant));
        t.Azure.AddSecret("db", "value-1");
        t.PutServiceAccount("app", new Dictionary<string, string> { [AzureStoreProvider.ClientIdAnnotation] = AzureStoreTestContext.Client });
        t.Azure.FederatedSubjects[AzureStoreTestContext.Client] = $"system:serviceaccount:{AzureStoreTestContext.Ns}:app";
        var client = await t.ConnectAsync(AzureStoreTestContext.WorkloadBlock("app", withTenant: false));

        var value = await client.GetSecretAsync(new RemoteRef("db"), CancellationToken.None);

        StoreTestContext.Text(value).Should().Be("value-1");
        client.Identity.Should().Contain(FakeAzure.Tenant);
    }

    [Fact]
    public async Task WorkloadIdentity_BlockTenantWinsOverTheControllers()
    {
        await using var t = await AzureStoreTestContext.StartAsync(new AzureStoreEnvironment("contoso.onmicrosoft.com"));
        t.Azure.AddSecret("db", "value-1");
        t.PutServiceAccount("app", new Dictionary<string, string> { [AzureStoreProvider.ClientIdAnnotation] = AzureStoreTestContext.Client });
        t.Azure.FederatedSubjects[AzureStoreTestContext.Client] = $"system:serviceaccount:{AzureStoreTestContext.Ns}:app";
        var client = await t.ConnectAsync(AzureStoreTestContext.WorkloadBlock("app", withTenant: true));

        _ = await client.GetSecretAsync(new RemoteRef("db"), CancellationToken.None);

        client.Identity.Should().Contain(FakeAzure.Tenant).And.NotContain("contoso");
    }

    [Fact]
    public async Task WorkloadIdentity_NoTenantAndNoAzureTenantId_InvalidConfigurationNamingEverySource()
    {
        await using var t = await AzureStoreTestContext.StartAsync();
        t.PutServiceAccount("app", new Dictionary<string, string> { [AzureStoreProvider.ClientIdAnnotation] = AzureStoreTestContext.Client });

        var connect = () => t.ConnectAsync(AzureStoreTestContext.WorkloadBlock("app", withTenant: false));

        var error = (await connect.Should().ThrowAsync<SecretStoreException>()).Which;
        error.Kind.Should().Be(FailureKind.InvalidConfiguration);
        error.Message.Should().Contain("azure.workload.identity/tenant-id").And.Contain("AZURE_TENANT_ID");
        t.Azure.TokenForms.Should().BeEmpty();
    }
}
