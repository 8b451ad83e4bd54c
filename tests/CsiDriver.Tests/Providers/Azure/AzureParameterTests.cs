using CsiDriver.Providers.Azure;
using CsiDriver.Publishing;
using static CsiDriver.Tests.Providers.Azure.AzureTestKit;

namespace CsiDriver.Tests.Providers.Azure;

/// <summary>Parameter handling, checked before any request: the fake records that nothing was sent.</summary>
public sealed class AzureParameterTests : IAsyncLifetime
{
    private FakeAzure _fake = null!;

    public async Task InitializeAsync()
    {
        _fake = await FakeAzure.StartAsync();
        _fake.FederatedClients[WorkloadClient] = PodToken;
    }

    public async Task DisposeAsync() => await _fake.DisposeAsync();

    private async Task<SecretStoreException> Fails(Dictionary<string, string> parameters, Func<AzureProviderOptions, AzureProviderOptions>? tweak = null)
    {
        using var provider = Provider(_fake, tweak: tweak);
        var act = () => provider.FetchAsync(Request(parameters), CancellationToken.None);
        var ex = (await act.Should().ThrowAsync<SecretStoreException>()).Which;
        ex.ShouldBeClean(_fake);
        _fake.VaultRequests.Should().BeEmpty();
        _fake.TokenForms.Should().BeEmpty();
        return ex;
    }

    private static Dictionary<string, string> With(string key, string? value, string? objects = null)
    {
        var parameters = WorkloadParameters(objects ?? Objects("objectName: a\nobjectType: secret"));
        if (value is null)
        {
            parameters.Remove(key);
        }
        else
        {
            parameters[key] = value;
        }

        return parameters;
    }

    [Theory]
    [InlineData("keyvaultName", null, "keyvaultName is not set")]
    [InlineData("keyvaultName", "  ", "keyvaultName is not set")]
    [InlineData("keyvaultName", "kv", "Invalid vault name: \"kv\", must be between 3 and 24 chars")]
    [InlineData("keyvaultName", "a-very-long-vault-name-over-24", "must be between 3 and 24 chars")]
    [InlineData("keyvaultName", "kv_test.evil", "Invalid vault name: \"kv_test.evil\", must match [-a-zA-Z0-9]{3,24}")]
    [InlineData("tenantID", null, "tenantId is not set")]
    [InlineData("tenantID", "../../evil", "is not a valid Entra ID tenant")]
    [InlineData("objects", null, "objects is not set")]
    [InlineData("cloudName", "AzureMarsCloud", "cloudName AzureMarsCloud is not valid, error: autorest/azure: There is no cloud environment matching the name \"AzureMarsCloud\"")]
    [InlineData("cloudName", "AzureStackCloud", "cloudEnvFileName must name the Azure Stack environment file")]
    [InlineData("usePodIdentity", "yes", "failed to parse usePodIdentity flag, error: strconv.ParseBool: parsing \"yes\": invalid syntax")]
    [InlineData("useVMManagedIdentity", "maybe", "failed to parse useVMManagedIdentity flag")]
    [InlineData("clientID", "", "usePodServiceAccountAnnotation is not supported by this driver")]
    [InlineData("useAzureTokenProxy", "true", "useAzureTokenProxy (AKS identity binding) is not supported")]
    public async Task Fetch_BadParameter_UpstreamMessageAndNoTraffic(string key, string? value, string expected)
    {
        var parameters = With(key, value);
        if (expected.Contains("usePodServiceAccountAnnotation", StringComparison.Ordinal))
        {
            parameters["usePodServiceAccountAnnotation"] = "true";
        }

        var ex = await Fails(parameters);

        ex.Kind.Should().Be(FailureKind.InvalidConfiguration);
        ex.Message.Should().Contain("SecretProviderClass default/azure-kv: failed to mount objects, error: ").And.Contain(expected);
    }

    [Theory]
    [InlineData("objectName: a\nobjectType: secrets", "failed to get objectType:secrets, objectName:a, objectVersion:: Invalid vaultObjectTypes. Should be secret, key, or cert")]
    [InlineData("objectName: a\nobjectType: Secret", "Invalid vaultObjectTypes")]
    [InlineData("objectName: a\nobjectType: secret\nobjectFormat: der", "invalid objectFormat: der, should be PEM or PFX")]
    [InlineData("objectName: a\nobjectType: key\nobjectFormat: pfx", "PFX format only supported for objectType: secret")]
    [InlineData("objectName: a\nobjectType: cert\nobjectEncoding: base64", "objectEncoding only supported for objectType: secret")]
    [InlineData("objectName: a\nobjectType: secret\nobjectEncoding: rot13", "invalid objectEncoding: rot13, should be hex, base64 or utf-8")]
    [InlineData("objectName: a\nobjectType: secret\nobjectAlias: ../../etc/passwd", "file name must not contain '..'")]
    [InlineData("objectName: a\nobjectType: secret\nobjectAlias: /etc/passwd", "file name must be a relative path")]
    [InlineData("objectType: secret", "file name must not be empty")]
    [InlineData("objectName: ../keys/x\nobjectType: secret\nobjectAlias: x", "objectName must be a Key Vault object name")]
    [InlineData("objectName: a%2Fb\nobjectType: secret\nobjectAlias: x", "objectName must be a Key Vault object name")]
    [InlineData("objectName: a\nobjectType: secret\nobjectVersion: ../x", "objectVersion must be a Key Vault version id")]
    [InlineData("objectName: a\nobjectType: secret\nobjectVersionHistory: -1", "objectVersionHistory must not be negative")]
    [InlineData("objectName: a\nobjectType: secret\nobjectVersionHistory: lots", "unmarshal failed for keyVaultObjects at index 0")]
    [InlineData("objectName: a\nobjectType: secret\nfilePermission: 0999", "not an octal file mode")]
    [InlineData("objectName: [unclosed\nobjectType: secret", "unmarshal failed for keyVaultObjects at index 0")]
    public async Task Fetch_BadObject_UpstreamMessageAndNoTraffic(string document, string expected)
    {
        var ex = await Fails(WorkloadParameters(Objects(document)));

        ex.Kind.Should().Be(FailureKind.InvalidConfiguration);
        ex.Message.Should().Contain(expected);
    }

    [Theory]
    [InlineData("- objectName: a\n  objectType: secret")]
    [InlineData("array: notalist")]
    [InlineData("array:\n  - objectName: a\n    objectType: secret")]
    public async Task Fetch_ObjectsNotAnArrayOfStrings_UnmarshalError(string objects)
    {
        var ex = await Fails(WorkloadParameters(objects));

        ex.Message.Should().Contain("failed to yaml unmarshal objects");
    }

    [Theory]
    [InlineData("array: []")]
    [InlineData("array:")]
    [InlineData("other: 1")]
    public async Task Fetch_EmptyObjectArray_NoFilesNoTraffic(string objects)
    {
        using var provider = Provider(_fake);
        var parameters = WorkloadParameters(objects);
        parameters["keyvaultName"] = "x"; // upstream validates the vault name only when there is something to fetch

        var result = await provider.FetchAsync(Request(parameters), CancellationToken.None);

        result.Files.Should().BeEmpty();
        result.Versions.Should().BeEmpty();
        _fake.VaultRequests.Should().BeEmpty();
    }

    [Fact]
    public async Task Fetch_TenantIdDeprecatedSpelling_Accepted_AndTenantIDPreferred()
    {
        _fake.AddSecret("a", "1");
        using var provider = Provider(_fake);
        var parameters = With("tenantID", null);
        parameters["tenantId"] = FakeAzure.Tenant;

        (await provider.FetchAsync(Request(parameters), CancellationToken.None)).Text("a").Should().Be("1");

        parameters["tenantID"] = FakeAzure.Tenant;
        parameters["tenantId"] = "00000000-0000-0000-0000-000000000000";
        (await provider.FetchAsync(Request(parameters), CancellationToken.None)).Text("a").Should().Be("1");
    }

    [Fact]
    public async Task Fetch_WhitespaceAroundValues_Trimmed()
    {
        _fake.AddSecret("a", "1");
        using var provider = Provider(_fake);
        var parameters = WorkloadParameters("array:\n  - |\n    objectName: \"  a  \"\n    objectType: \" secret \"\n");
        parameters["keyvaultName"] = "  kv-test ";
        parameters["clientID"] = $" {WorkloadClient} ";

        (await provider.FetchAsync(Request(parameters), CancellationToken.None)).Text("a").Should().Be("1");
    }

    [Theory]
    [InlineData("", "https://kv-test.vault.azure.net/", "https://login.microsoftonline.com/")]
    [InlineData("AzurePublicCloud", "https://kv-test.vault.azure.net/", "https://login.microsoftonline.com/")]
    [InlineData("AZUREUSGOVERNMENTCLOUD", "https://kv-test.vault.usgovcloudapi.net/", "https://login.microsoftonline.us/")]
    [InlineData("AzureChinaCloud", "https://kv-test.vault.azure.cn/", "https://login.chinacloudapi.cn/")]
    [InlineData("AzureGermanCloud", "https://kv-test.vault.microsoftazure.de/", "https://login.microsoftonline.de/")]
    public void Parse_CloudName_VaultUriAndAuthority(string cloudName, string vault, string authority)
    {
        var parameters = WorkloadParameters(Objects("objectName: a\nobjectType: secret"));
        parameters["cloudName"] = cloudName;

        var config = AzureMountConfig.Parse(Request(parameters), new AzureProviderOptions());

        config.VaultUri.AbsoluteUri.Should().Be(vault);
        config.Cloud.AuthorityHost.AbsoluteUri.Should().Be(authority);
    }

    [Fact]
    public void Parse_AzureStackEnvironmentFileUnderAllowedDirectory_UsesItsSuffixAndAuthority()
    {
        using var dir = new CsiDriver.Tests.Infrastructure.TestDirectory();
        var file = Path.Combine(dir.Path, "azurestackcloud.json");
        File.WriteAllText(file, """{"name":"AzureStackCloud","activeDirectoryEndpoint":"https://adfs.local.azurestack.external/","keyVaultEndpoint":"https://vault.local.azurestack.external/","keyVaultDNSSuffix":"vault.local.azurestack.external"}""");
        var parameters = WorkloadParameters(Objects("objectName: a\nobjectType: secret"));
        parameters["cloudName"] = "AzureStackCloud";
        parameters["cloudEnvFileName"] = file;

        var config = AzureMountConfig.Parse(Request(parameters), new AzureProviderOptions { CloudEnvFileDirectory = dir.Path });

        config.VaultUri.AbsoluteUri.Should().Be("https://kv-test.vault.local.azurestack.external/");
        config.Cloud.AuthorityHost.AbsoluteUri.Should().Be("https://adfs.local.azurestack.external/");
        config.Cloud.KeyVaultResource.AbsoluteUri.Should().Be("https://vault.local.azurestack.external/");

        var outside = () => AzureMountConfig.Parse(Request(parameters), new AzureProviderOptions { CloudEnvFileDirectory = "/etc/kubernetes" });
        outside.Should().Throw<SecretStoreException>().Which.Message.Should().Contain("the driver reads Azure environment files only under /etc/kubernetes");

        File.WriteAllText(file, "{ not json");
        var broken = () => AzureMountConfig.Parse(Request(parameters), new AzureProviderOptions { CloudEnvFileDirectory = dir.Path });
        broken.Should().Throw<SecretStoreException>().Which.Message.Should().Contain("is not a valid Azure environment JSON file");
    }

    [Fact]
    public void Parse_Credentials_UpstreamPrecedence()
    {
        var secrets = new Dictionary<string, string> { ["clientid"] = SpClient, ["clientsecret"] = SpSecret };
        var wi = WorkloadParameters(Objects("objectName: a\nobjectType: secret"));
        AzureMountConfig.Parse(Request(wi, secrets: secrets), new AzureProviderOptions()).Credential.Should().BeOfType<WorkloadIdentityCredential>();

        var vm = new Dictionary<string, string>(wi) { ["useVMManagedIdentity"] = "true", ["userAssignedIdentityID"] = "mi-1" };
        AzureMountConfig.Parse(Request(vm), new AzureProviderOptions()).Credential.Should().Be(new ManagedIdentityCredential("mi-1"));

        var pod = new Dictionary<string, string>(wi) { ["usePodIdentity"] = "t" };
        AzureMountConfig.Parse(Request(pod), new AzureProviderOptions()).Credential.Should().Be(new PodIdentityCredential("default", "app-0"));

        var sp = new Dictionary<string, string>(wi);
        sp.Remove("clientID");
        var credential = AzureMountConfig.Parse(Request(sp, secrets: secrets), new AzureProviderOptions()).Credential;
        credential.Should().BeOfType<ClientSecretCredential>();
        credential.ToString().Should().NotContain(SpSecret);
    }
}
