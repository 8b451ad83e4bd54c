using CsiDriver.Kubernetes;

namespace CsiDriver.ExternalSecrets.Kubernetes;

/// <summary>
/// Reads of generator objects (<c>generators.external-secrets.io/v1alpha1</c>): GET
/// /apis/generators.external-secrets.io/v1alpha1/namespaces/{ns}/{passwords|vaultdynamicsecrets}/{name} and
/// /apis/generators.external-secrets.io/v1alpha1/clustergenerators/{name}.
/// </summary>
internal sealed partial class ExternalSecretsKubeApi
{
    public const string GeneratorsGroup = "generators.external-secrets.io";
    private const string GeneratorsPath = "/apis/generators.external-secrets.io/v1alpha1";

    [KubernetesApiCall(GeneratorsGroup, "passwords", "get", KubernetesIdentity.Controller)]
    public Task<JsonObject?> GetPasswordGeneratorAsync(string @namespace, string name, CancellationToken cancellationToken) =>
        GetGeneratorAsync("passwords", @namespace, name, cancellationToken);

    [KubernetesApiCall(GeneratorsGroup, "vaultdynamicsecrets", "get", KubernetesIdentity.Controller)]
    public Task<JsonObject?> GetVaultDynamicSecretGeneratorAsync(string @namespace, string name, CancellationToken cancellationToken) =>
        GetGeneratorAsync("vaultdynamicsecrets", @namespace, name, cancellationToken);

    [KubernetesApiCall(GeneratorsGroup, "clustergenerators", "get", KubernetesIdentity.Controller)]
    public Task<JsonObject?> GetClusterGeneratorAsync(string name, CancellationToken cancellationToken) =>
        GetObjectAsync(GeneratorsPath, "clustergenerators", null, name, cancellationToken);

    private Task<JsonObject?> GetGeneratorAsync(string resource, string @namespace, string name, CancellationToken cancellationToken) =>
        GetObjectAsync(GeneratorsPath, resource, @namespace, name, cancellationToken);
}
