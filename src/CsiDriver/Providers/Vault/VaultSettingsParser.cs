using CsiDriver.Publishing;

namespace CsiDriver.Providers.Vault;

/// <summary>Turns a class's parameters into <see cref="VaultSettings"/> with the upstream provider's keys, defaults and errors.</summary>
internal static class VaultSettingsParser
{
    public static VaultSettings Parse(ProviderRequest request, VaultProviderOptions options)
    {
        var spc = request.Class.Description;
        var p = request.Attributes;

        var role = Get(p, "roleName") ?? throw ProviderParameters.Invalid(spc, "missing 'roleName' in SecretProviderClass definition");

        var kubernetesMount = Get(p, "vaultKubernetesMountPath");
        var authMount = Get(p, "vaultAuthMountPath");
        if (kubernetesMount is not null && authMount is not null)
        {
            throw ProviderParameters.Invalid(spc, "cannot set both vaultKubernetesMountPath and vaultAuthMountPath");
        }

        var mount = (authMount ?? kubernetesMount ?? options.DefaultAuthMount).Trim('/');
        if (mount.Length == 0 || mount.Split('/').Any(s => s is "" or "." or ".."))
        {
            throw ProviderParameters.Invalid(spc, $"auth mount path '{authMount ?? kubernetesMount}' is not a valid Vault mount path");
        }

        var address = ParseAddress(Get(p, "vaultAddress") ?? options.DefaultAddress, spc);
        var skipVerify = p.TryGetValue("vaultSkipTLSVerify", out var skipText) && skipText.Length > 0 &&
            (Spec.GoStrconv.ParseBool(skipText) ?? throw ProviderParameters.Invalid(spc, $"vaultSkipTLSVerify '{skipText}' is not a boolean (use true or false)"));

        var clientCert = Get(p, "vaultTLSClientCertPath");
        var clientKey = Get(p, "vaultTLSClientKeyPath");
        if ((clientCert is null) != (clientKey is null))
        {
            throw ProviderParameters.Invalid(spc, "vaultTLSClientCertPath and vaultTLSClientKeyPath must be set together");
        }

        var tls = new VaultTlsSettings(
            Get(p, "vaultCACertPath"),
            Get(p, "vaultCADirectory"),
            Get(p, "vaultTLSServerName"),
            skipVerify,
            clientCert,
            clientKey);

        // A missing list parses as an empty one: the same error, and nothing is kept for a failure.
        var objectsText = p.GetValueOrDefault("objects") ?? string.Empty;
        var objects = ParsedParameters.GetOrParse<IReadOnlyList<VaultObject>>(objectsText, string.Empty, () => VaultObjectsParser.Parse(objectsText, spc));
        foreach (var item in objects)
        {
            try
            {
                Mounting.PayloadPath.Validate(item.ObjectName);
            }
            catch (SecretStoreException ex)
            {
                throw ProviderParameters.Invalid(spc, $"objectName is not a valid file name: {ex.Message}");
            }
        }

        return new VaultSettings(address, Get(p, "vaultNamespace") ?? options.DefaultNamespace, mount, role, Get(p, "audience") ?? "vault", tls, objects);
    }

    private static Uri ParseAddress(string text, string spc)
    {
        if (!Uri.TryCreate(text.Trim(), UriKind.Absolute, out var uri) || (uri.Scheme != Uri.UriSchemeHttp && uri.Scheme != Uri.UriSchemeHttps) ||
            !string.IsNullOrEmpty(uri.Query) || !string.IsNullOrEmpty(uri.Fragment) || !string.IsNullOrEmpty(uri.UserInfo))
        {
            var shown = text.Contains('@', StringComparison.Ordinal) ? "(not shown: it carries credentials)" : $"'{text}'";
            throw ProviderParameters.Invalid(spc, $"vaultAddress {shown} is not an http(s) URL without credentials, such as https://vault.vault:8200");
        }

        // A base path (a Vault behind a path-routing proxy) is kept, as the Go client does.
        var builder = new UriBuilder(uri) { Path = uri.AbsolutePath.TrimEnd('/') + "/" };
        return builder.Uri;
    }

    private static string? Get(IReadOnlyDictionary<string, string> parameters, string key) =>
        parameters.TryGetValue(key, out var value) && !string.IsNullOrWhiteSpace(value) ? value.Trim() : null;
}
