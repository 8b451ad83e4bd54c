namespace CsiDriver.Providers.Azure;

/// <summary>
/// One Azure cloud as go-autorest names it: where its vaults live (DNS suffix, token resource)
/// and where its Entra ID (AAD) authority is.
/// </summary>
internal sealed record AzureCloud(string Name, string KeyVaultDnsSuffix, Uri KeyVaultResource, Uri AuthorityHost)
{
    public static readonly AzureCloud Public = new("AzurePublicCloud", "vault.azure.net", new Uri("https://vault.azure.net"), new Uri("https://login.microsoftonline.com/"));
    public static readonly AzureCloud UsGovernment = new("AzureUSGovernmentCloud", "vault.usgovcloudapi.net", new Uri("https://vault.usgovcloudapi.net"), new Uri("https://login.microsoftonline.us/"));
    public static readonly AzureCloud China = new("AzureChinaCloud", "vault.azure.cn", new Uri("https://vault.azure.cn"), new Uri("https://login.chinacloudapi.cn/"));
    public static readonly AzureCloud Germany = new("AzureGermanCloud", "vault.microsoftazure.de", new Uri("https://vault.microsoftazure.de"), new Uri("https://login.microsoftonline.de/"));

    /// <summary>The names go-autorest's EnvironmentFromName accepts, compared upper-cased as it does.</summary>
    private static readonly Dictionary<string, AzureCloud> ByName = new(StringComparer.OrdinalIgnoreCase)
    {
        ["AZUREPUBLICCLOUD"] = Public,
        ["AZURECLOUD"] = Public,
        ["AZUREUSGOVERNMENTCLOUD"] = UsGovernment,
        ["AZUREUSGOVERNMENT"] = UsGovernment,
        ["AZURECHINACLOUD"] = China,
        ["AZUREGERMANCLOUD"] = Germany,
    };

    /// <summary>Resolves <c>cloudName</c> (empty = public); Azure Stack needs an environment file.</summary>
    public static AzureCloud Resolve(string cloudName, string cloudEnvFileName, AzureProviderOptions options, string classDescription) =>
        cloudName.Length == 0 ? Public
        : ByName.TryGetValue(cloudName, out var cloud) ? cloud
        : !cloudName.Equals("AZURESTACKCLOUD", StringComparison.OrdinalIgnoreCase)
            ? throw AzureMountConfig.Invalid(classDescription, $"cloudName {cloudName} is not valid, error: autorest/azure: There is no cloud environment matching the name \"{cloudName}\"")
        : cloudEnvFileName.Length == 0
            ? throw AzureMountConfig.Invalid(classDescription, $"cloudName {cloudName} is not valid, error: cloudEnvFileName must name the Azure Stack environment file")
        : FromEnvironmentFile(cloudEnvFileName, options, classDescription);

    /// <summary>
    /// Reads a go-autorest environment JSON file. Only files under the operator's allowed directory
    /// are read, so a SecretProviderClass cannot make the driver probe arbitrary node files.
    /// </summary>
    private static AzureCloud FromEnvironmentFile(string path, AzureProviderOptions options, string classDescription)
    {
        var allowed = options.CloudEnvFileDirectory;
        string full;
        try
        {
            full = Path.GetFullPath(path);
        }
        catch (ArgumentException)
        {
            throw AzureMountConfig.Invalid(classDescription, "cloudEnvFileName is not a valid path");
        }

        if (allowed is null || !Path.IsPathRooted(path) ||
            !full.StartsWith(Path.TrimEndingDirectorySeparator(Path.GetFullPath(allowed)) + "/", StringComparison.Ordinal))
        {
            throw AzureMountConfig.Invalid(classDescription, $"cloudEnvFileName '{path}' is not supported: the driver reads Azure environment files only under {allowed ?? "(none configured)"}");
        }

        AzureEnvironmentFile? file;
        try
        {
            var info = new FileInfo(full);
            if (info.Exists && info.Length > 64 * 1024)
            {
                throw AzureMountConfig.Invalid(classDescription, $"cloudEnvFileName '{path}' is larger than 64 KiB");
            }

            using var stream = File.OpenRead(full);
            file = JsonSerializer.Deserialize(stream, AzureJsonContext.Default.AzureEnvironmentFile);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw AzureMountConfig.Invalid(classDescription, $"failed to read cloudEnvFileName '{path}'");
        }
        catch (JsonException)
        {
            throw AzureMountConfig.Invalid(classDescription, $"cloudEnvFileName '{path}' is not a valid Azure environment JSON file");
        }

        return file?.KeyVaultDnsSuffix is { Length: > 0 } suffix &&
            Uri.TryCreate(file.ActiveDirectoryEndpoint, UriKind.Absolute, out var authority) &&
            Uri.TryCreate(file.KeyVaultEndpoint, UriKind.Absolute, out var resource)
            ? new AzureCloud(file.Name ?? "AzureStackCloud", suffix, new Uri(resource.GetLeftPart(UriPartial.Authority)), authority)
            : throw AzureMountConfig.Invalid(classDescription, $"cloudEnvFileName '{path}' must set keyVaultDNSSuffix, keyVaultEndpoint and activeDirectoryEndpoint");
    }
}
