using CsiDriver.Publishing;

namespace CsiDriver.Providers.Azure;

/// <summary>
/// Azure Key Vault (<c>provider: azure</c>), accepting the SecretProviderClass parameters of
/// Azure/secrets-store-csi-driver-provider-azure unchanged: see docs/providers/azure.md.
/// <para>
/// Why no Azure SDK: the provider needs four GETs and one token POST. Azure.Security.KeyVault.Secrets
/// covers secrets only (keys and certificates would add two more SDK packages), and Azure.Identity
/// brings Azure.Core, MSAL and their dependencies (several MB of assemblies JIT-compiled on the first
/// mount, in a per-node daemon that is measured on RSS), caches tokens on the wall clock instead of an
/// injectable <see cref="TimeProvider"/>, performs MSAL instance discovery against the public cloud,
/// and takes its authority/IMDS overrides from process environment variables, which tests running in
/// parallel cannot set per test. So: one small REST client (<see cref="KeyVaultClient"/>) with the
/// SDKs' bearer-challenge flow, and one token client (<see cref="AzureTokenSource"/>) for workload
/// identity, client secret, IMDS and NMI. Both are covered by loopback HTTPS tests.
/// </para>
/// <para>
/// Reads go through <see cref="KeyVaultReads"/>: in a rotation pass each (identity, vault, object, version)
/// is read once for every volume, pinned versions a volume already holds cost nothing, and errors are
/// built per volume so each names its own class (docs/providers/azure.md, "Rotation cost").
/// </para>
/// </summary>
internal sealed class AzureProvider : IProvider
{
    private readonly AzureProviderOptions _options;
    private readonly KeyVaultReads _reads;
    private readonly ILogger _logger;

    public AzureProvider(AzureProviderOptions options, KeyVaultClient vault, VersionedValueCache values, ILogger<AzureProvider> logger)
    {
        _options = options;
        _logger = logger;
        _reads = new KeyVaultReads(vault, values);
        if (options.KeyVaultEndpointOverride is { } endpoint)
        {
            AzureLog.EndpointOverride(logger, endpoint.AbsoluteUri);
        }
    }

    public string Name => "azure";

    public async Task<ProviderResult> FetchAsync(ProviderRequest request, CancellationToken cancellationToken)
    {
        var config = AzureMountConfig.Parse(request, _options);
        var files = new List<SecretFile>();
        var versions = new List<ObjectVersion>();

        // Outside a pass, a scope of this fetch alone still reads an object the class lists twice only once.
        using var own = request.FetchScope is null ? new FetchScope(cancellationToken) : null;
        var scope = request.FetchScope ?? own!;
        var vault = config.VaultUri;
        var transport = _options.KeyVaultEndpointOverride ?? vault;
        var description = request.Class.Description;
        // Each object (with its version list in history mode) is read on its own; the objects go out together.
        var perObject = await ParallelReads.ReadAllAsync(
            Enumerable.Range(0, config.Objects.Count),
            (i, _) => ReadObjectAsync(new VaultCall(config, vault, transport, config.Objects[i], config.Objects[i].ObjectVersion), request, scope),
            cancellationToken).ConfigureAwait(false);
        try
        {
            for (var i = 0; i < config.Objects.Count; i++)
            {
                var (objectFiles, objectVersions) = perObject.Get(i);
                files.AddRange(objectFiles);
                versions.AddRange(objectVersions.Where(o => !versions.Any(v => v.Id == o.Id)));
            }
        }
        catch (AzureReadException ex)
        {
            throw ex.ForClass(description);
        }

        return new ProviderResult(files, versions);
    }

    /// <summary>One entry's files and versions: the entry itself, or its versions in history mode.</summary>
    private async Task<(List<SecretFile> Files, List<ObjectVersion> Versions)> ReadObjectAsync(VaultCall entry, ProviderRequest request, IFetchScope scope)
    {
        var spec = entry.Object;
        var files = new List<SecretFile>();
        var versions = new List<ObjectVersion>();
        foreach (var (fileName, version, uid) in await ResolveVersionsAsync(entry, scope).ConfigureAwait(false))
        {
            var call = entry with { ObjectVersion = version };
            var (body, fromMemory) = await _reads.GetAsync(call, scope, HoldsVersion(request.CurrentVersions, spec.Uid, version)).ConfigureAwait(false);
            var (contents, fetchedVersion) = Contents(call, body);
            foreach (var (suffix, bytes) in contents)
            {
                if (bytes.Length > _options.MaxObjectBytes)
                {
                    throw call.Fail(FailureKind.TooLarge, $"the object is {bytes.Length} bytes, over the {_options.MaxObjectBytes}-byte limit (--max-object-bytes)");
                }

                files.Add(new SecretFile(fileName + suffix, bytes, spec.FileMode));
            }

            if (!versions.Any(v => v.Id == uid))
            {
                versions.Add(new ObjectVersion(uid, fetchedVersion));
            }

            if (fromMemory)
            {
                AzureLog.ServedFromMemory(_logger, spec.TypeName, spec.ObjectName, fetchedVersion, entry.Vault.Host, request.Class.Description);
            }
            else
            {
                AzureLog.ObjectFetched(_logger, spec.TypeName, spec.ObjectName, fetchedVersion, entry.Vault.Host, request.Class.Description);
            }
        }

        return (files, versions);
    }

    /// <summary>The volume already holds <paramref name="version"/> of the object (as itself or as a history entry).</summary>
    private static bool HoldsVersion(IReadOnlyList<ObjectVersion> current, string uid, string version) =>
        current.Any(v => v.Version == version && (v.Id == uid || v.Id.StartsWith(uid + "/", StringComparison.Ordinal)));

    /// <summary>
    /// The (file, version, id) triples for one entry: just the entry itself, or in history mode the
    /// enabled versions newest first starting at objectVersion, named <c>&lt;file&gt;/0</c>, <c>/1</c>, ...
    /// The count follows upstream's getLatestNKeyVaultObjects loop, which stops only after it has
    /// taken more than objectVersionHistory entries: up to objectVersionHistory + 1 files.
    /// </summary>
    private async Task<List<(string File, string Version, string Uid)>> ResolveVersionsAsync(VaultCall listCall, IFetchScope scope)
    {
        var spec = listCall.Object;
        if (!spec.IsHistory)
        {
            return [(spec.FileName, spec.ObjectVersion, spec.Uid)];
        }

        var fromLatest = spec.ObjectVersion.Length == 0 || spec.ObjectVersion == "latest";
        var result = (await _reads.ListVersionsAsync(listCall, scope).ConfigureAwait(false))
            .OrderByDescending(v => v.Created)
            .SkipWhile(v => !fromLatest && v.Version != spec.ObjectVersion)
            .TakeWhile((_, index) => index <= spec.ObjectVersionHistory)
            .Select((v, index) => ($"{spec.FileName}/{index}", v.Version, $"{spec.Uid}/{index}"))
            .ToList();
        if (result.Count == 0)
        {
            // Upstream silently writes nothing here; a mount that lacks its files should say why.
            throw listCall.Fail(FailureKind.NotFound, fromLatest
                ? "the object has no enabled versions"
                : "objectVersion is not among the object's enabled versions");
        }

        return result;
    }

    /// <summary>
    /// The files of one object version's JSON body (suffix "" plus .crt/.key when configured), objectEncoding applied
    /// (it is refused for keys and certificates, so their PEM stays UTF-8), and its version id.
    /// </summary>
    private (List<(string Suffix, byte[] Bytes)> Contents, string Version) Contents(VaultCall call, byte[] body)
    {
        try
        {
            (string Version, List<(string Suffix, string Text)> Texts) read = call.Object.Type switch
            {
                KeyVaultObjectType.Secret => SecretTexts(call, KeyVaultClient.Parse(call, body, AzureJsonContext.Default.SecretBundle)),
                KeyVaultObjectType.Key => KeyVaultClient.Parse(call, body, AzureJsonContext.Default.KeyBundle).Key is { } jwk
                    ? (VersionOf(call, jwk.Kid), [(string.Empty, KeyVaultContent.PublicKeyPem(jwk))])
                    : throw call.Fail(FailureKind.Unavailable, "key value is nil"),
                _ => CertificateText(call, KeyVaultClient.Parse(call, body, AzureJsonContext.Default.CertificateBundle)),
            };
            return ([.. read.Texts.Select(t => (t.Suffix, KeyVaultContent.Decode(t.Text, call.Object.ObjectEncoding)))], read.Version);
        }
        catch (FormatException ex)
        {
            throw call.Fail(FailureKind.InvalidConfiguration, ex.Message);
        }
        catch (CryptographicException)
        {
            throw call.Fail(FailureKind.InvalidConfiguration, "the key material returned by Key Vault is not a valid public key");
        }
    }

    private (string Version, List<(string Suffix, string Text)> Texts) SecretTexts(VaultCall call, SecretBundle secret)
    {
        var version = VersionOf(call, secret.Id);
        var text = KeyVaultContent.SecretText(secret, call.Object.Pfx, _options.ConstructPemChain);
        if (_options.WriteCertAndKeyInSeparateFiles && !string.IsNullOrEmpty(secret.Kid))
        {
            var (certs, keys) = KeyVaultContent.SplitCertAndKey(text);
            return (version, [(".crt", certs), (".key", keys), (string.Empty, text)]);
        }

        return (version, [(string.Empty, text)]);
    }

    private static (string Version, List<(string Suffix, string Text)> Texts) CertificateText(VaultCall call, CertificateBundle certificate) =>
        (VersionOf(call, certificate.Id), [(string.Empty, KeyVaultContent.CertificatePem(certificate))]);

    /// <summary>The version id of the object's id, checked before its value is converted: <c>secret id is nil</c> when it has none.</summary>
    private static string VersionOf(VaultCall call, string? id) =>
        KeyVaultClient.LastSegment(id) ?? throw call.Fail(FailureKind.Unavailable, $"{call.Collection[..^1]} id is nil");
}
