using System.Security.Cryptography;
using CsiDriver.Publishing;
using Microsoft.Extensions.Logging;

namespace CsiDriver.Providers.Vault;

/// <summary>
/// The built-in <c>vault</c> provider: reads the parameters of hashicorp/vault-csi-provider
/// unchanged, authenticates as the pod, and keeps dynamic-secret leases per volume so rotation
/// polls renew credentials instead of minting new ones.
/// </summary>
internal sealed class VaultProvider : IProvider, IVolumeLifecycle, IDisposable
{
    private readonly VaultProviderOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly VaultHttpClients _clients = new();
    private readonly VaultAuthenticator _authenticator;
    private readonly VaultLeaseManager _leases;
    private readonly byte[] _versionKey;

    public VaultProvider(VaultProviderOptions options, TimeProvider time, ILogger<VaultProvider> logger)
    {
        _options = options;
        _time = time;
        _logger = logger;
        _authenticator = new VaultAuthenticator(new VaultTokenCache(time), logger);
        _leases = new VaultLeaseManager(new VaultLeaseCache(time), time, logger);
        _versionKey = options.VersionKey ?? RandomNumberGenerator.GetBytes(32);
    }

    public string Name => "vault";

    internal VaultLeaseManager Leases => _leases;

    public async Task<ProviderResult> FetchAsync(ProviderRequest request, CancellationToken cancellationToken)
    {
        var spc = request.Class.Description;
        var settings = VaultSettingsParser.Parse(request, _options);
        var client = new VaultClient(_clients.Get(settings.Tls, spc), settings.Address, settings.Namespace, _options);
        var session = await _authenticator.StartAsync(client, settings, request, cancellationToken).ConfigureAwait(false);

        // Objects naming the same path, method and body share one call, so a username and a password
        // read from one dynamic credential belong together.
        var responses = new Dictionary<VaultRequestKey, VaultResponse>();
        var files = new List<SecretFile>(settings.Objects.Count);
        var versions = new List<ObjectVersion>(settings.Objects.Count);
        foreach (var item in settings.Objects)
        {
            if (!responses.TryGetValue(item.RequestKey, out var response))
            {
                response = await ReadAsync(client, session, settings, request, item, cancellationToken).ConfigureAwait(false);
                responses[item.RequestKey] = response;
            }

            var content = VaultObjectContent.Extract(response, item, spc);
            files.Add(new SecretFile(item.ObjectName, content, item.FilePermission));
            versions.Add(new ObjectVersion(item.ObjectName, VaultObjectContent.Version(response, content, _versionKey)));
        }

        return new ProviderResult(files, versions);
    }

    public async Task OnVolumeRemovedAsync(string targetPath, CancellationToken cancellationToken)
    {
        foreach (var (key, lease) in _leases.TakeVolume(targetPath))
        {
            try
            {
                var client = new VaultClient(_clients.Get(lease.Tls, "(volume removal)"), new Uri(key.Address), key.Namespace, _options);
                await client.RevokeLeaseAsync(lease.LeaseId, lease.Token, cancellationToken).ConfigureAwait(false);
                VaultLog.LeaseRevoked(_logger, key.Request.SecretPath, targetPath);
            }
            catch (Exception ex) when (ex is VaultApiException or SecretStoreException)
            {
                VaultLog.LeaseRevokeFailed(_logger, key.Request.SecretPath, targetPath, VaultErrors.Redact(ex.Message, [lease.Token]));
            }
        }
    }

    public void Dispose() => _clients.Dispose();

    private async Task<VaultResponse> ReadAsync(VaultClient client, VaultSession session, VaultSettings settings, ProviderRequest request, VaultObject item, CancellationToken cancellationToken)
    {
        VaultResponse response;
        try
        {
            var key = new VaultLeaseKey(session.Identity, client.Address.ToString(), settings.Namespace, item.RequestKey, request.TargetPath);
            response = await _leases.GetAsync(key, client, session, settings.Tls, cancellationToken).ConfigureAwait(false);
        }
        catch (VaultApiException ex)
        {
            throw VaultErrors.Read(ex, settings, request, item.ObjectName, session.Sensitive);
        }

        VaultLog.SecretRead(_logger, item.Method + " " + item.SecretPath, settings.Address.ToString(), request.Class.Description);
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
