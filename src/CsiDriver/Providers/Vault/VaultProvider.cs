using CsiDriver.Publishing;

namespace CsiDriver.Providers.Vault;

/// <summary>
/// The built-in <c>vault</c> provider: reads the parameters of hashicorp/vault-csi-provider
/// unchanged, authenticates as the pod, and keeps dynamic-secret leases per volume so rotation
/// polls renew credentials instead of minting new ones. In a rotation pass, logins and GET/LIST reads
/// are shared by the volumes of one identity; pinned KV v2 versions a volume already has cost no call
/// (<see cref="VaultReader"/>). Every HTTP call is counted in <c>csi_secrets_store_backend_calls_total</c>.
/// </summary>
internal sealed class VaultProvider(VaultProviderOptions options, TimeProvider time, ILogger<VaultProvider> logger, Observability.DriverMetrics metrics, VersionedValueCache values)
    : IProvider, IVolumeLifecycle, IDisposable
{
    private readonly VaultHttpClients _clients = new();
    private readonly VaultTokenCache _tokens = new(time);
    private readonly VaultReader _reader = new(new VaultLeaseManager(time, logger), values, logger);
    private readonly byte[] _versionKey = options.VersionKey ?? RandomNumberGenerator.GetBytes(32);

    public string Name => "vault";

    public async Task<ProviderResult> FetchAsync(ProviderRequest request, CancellationToken cancellationToken)
    {
        var spc = request.Class.Description;
        var settings = VaultSettingsParser.Parse(request, options);
        var client = new VaultClient(_clients.Get(settings.Tls, spc), settings.Address, settings.Namespace, options, metrics);
        var session = VaultSession.Start(_tokens, logger, client, settings, request, cancellationToken);
        var current = request.CurrentVersions.GroupBy(v => v.Id, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.Last().Version, StringComparer.Ordinal);

        // Objects naming the same path, method and body share one call, so a username and a password
        // read from one dynamic credential belong together; distinct calls go out together.
        var firstObject = settings.Objects.DistinctBy(o => o.RequestKey).ToDictionary(o => o.RequestKey);
        var responses = await ParallelReads.ReadAllAsync(
            settings.Objects.Select(o => o.RequestKey),
            (key, ct) => ReadAsync(client, session, settings, request, firstObject[key], current, ct),
            cancellationToken).ConfigureAwait(false);
        var files = new List<SecretFile>(settings.Objects.Count);
        var versions = new List<ObjectVersion>(settings.Objects.Count);
        foreach (var item in settings.Objects)
        {
            var response = responses.Get(item.RequestKey);
            var content = VaultObjectContent.Extract(response, item, spc);
            files.Add(new SecretFile(item.ObjectName, content, item.FilePermission));
            versions.Add(new ObjectVersion(item.ObjectName, VaultObjectContent.Version(response, content, _versionKey)));
        }

        return new ProviderResult(files, versions);
    }

    public async Task OnVolumeRemovedAsync(string targetPath, CancellationToken cancellationToken)
    {
        foreach (var (key, lease) in _reader.TakeVolume(targetPath))
        {
            try
            {
                var client = new VaultClient(_clients.Get(lease.Tls, "(volume removal)"), new Uri(key.Address), key.Namespace, options, metrics);
                await client.RevokeLeaseAsync(lease.LeaseId, lease.Token, cancellationToken).ConfigureAwait(false);
                VaultLog.LeaseRevoked(logger, key.Request.SecretPath, targetPath);
            }
            catch (Exception ex) when (ex is VaultApiException or SecretStoreException)
            {
                VaultLog.LeaseRevokeFailed(logger, key.Request.SecretPath, targetPath, VaultErrors.Redact(ex.Message, [lease.Token]));
            }
        }
    }

    public void Dispose() => _clients.Dispose();

    private async Task<VaultResponse> ReadAsync(
        VaultClient client, VaultSession session, VaultSettings settings, ProviderRequest request, VaultObject item, Dictionary<string, string> current, CancellationToken cancellationToken)
    {
        // A pinned version comes from memory only when every object of this volume made from the request already
        // has it: an object new to the volume is a new read, which Vault must authorise.
        bool VolumeHas(string version) => settings.Objects
            .Where(o => o.RequestKey == item.RequestKey)
            .All(o => current.TryGetValue(o.ObjectName, out var had) && had == version);

        VaultResponse response;
        try
        {
            response = await _reader.ReadAsync(client, session, settings, request, item.RequestKey, VolumeHas, cancellationToken).ConfigureAwait(false);
        }
        catch (VaultApiException ex)
        {
            throw VaultErrors.Read(ex, settings, request, item.ObjectName, session.Sensitive);
        }
        catch (VaultLoginFailedException ex)
        {
            throw VaultErrors.Login(ex.Cause, settings, request, session.Sensitive);
        }

        VaultLog.SecretRead(logger, item.Method + " " + item.SecretPath, settings.Address.ToString(), request.Class.Description);
        if (response.Data is null)
        {
            var (path, _) = VaultClient.NormalizePath(item.SecretPath);
            throw new SecretStoreException(
                FailureKind.NotFound,
                $"SecretProviderClass {request.Class.Description}: couldn't read secret \"{item.ObjectName}\": empty response from \"{path}\", warnings: [{string.Join("; ", response.Warnings)}]");
        }

        return response;
    }
}
