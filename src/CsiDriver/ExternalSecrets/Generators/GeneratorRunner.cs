using CsiDriver.ExternalSecrets.Kubernetes;
using CsiDriver.Kubernetes;

namespace CsiDriver.ExternalSecrets.Generators;

/// <summary>
/// Runs the generator a <c>sourceRef.generatorRef</c> names (<c>{apiVersion, kind, name}</c>, eso.md 2.8): reads the
/// generator object in the ExternalSecret's namespace (or the cluster-scoped <c>ClusterGenerator</c>, whose
/// <c>spec.generator</c> holds one <c>&lt;kind&gt;Spec</c>) and hands its spec to the <see cref="IGenerator"/> of that kind.
/// </summary>
internal sealed class GeneratorRunner(ExternalSecretsKubeApi api, IEnumerable<IGenerator> generators)
{
    public const string ApiVersion = "generators.external-secrets.io/v1alpha1";
    private readonly Dictionary<string, IGenerator> _generators = generators.ToDictionary(g => g.Kind, StringComparer.Ordinal);

    /// <exception cref="GeneratorException">An unknown kind, a missing object, a bad spec or a failed generation.</exception>
    public async Task<IReadOnlyDictionary<string, byte[]>> GenerateAsync(JsonObject generatorRef, GeneratorCall call, CancellationToken cancellationToken)
    {
        var @namespace = call.Namespace;
        var apiVersion = Text(generatorRef["apiVersion"]) ?? ApiVersion;
        var kind = Text(generatorRef["kind"]) ?? string.Empty;
        var name = Text(generatorRef["name"]) ?? string.Empty;
        if (apiVersion != ApiVersion)
        {
            throw new GeneratorException($"generatorRef apiVersion {apiVersion} is not supported (only {ApiVersion})");
        }

        if (!KubernetesNames.IsValid(name))
        {
            throw new GeneratorException("generatorRef needs a valid name");
        }

        JsonObject? obj;
        string specKind;
        JsonObject? spec;
        try
        {
            if (kind == "ClusterGenerator")
            {
                obj = await api.GetClusterGeneratorAsync(name, cancellationToken).ConfigureAwait(false);
                specKind = Text(obj?["spec"]?["kind"]) ?? string.Empty;
                spec = specKind.Length == 0 ? null : obj?["spec"]?["generator"]?[char.ToLowerInvariant(specKind[0]) + specKind[1..] + "Spec"] as JsonObject;
            }
            else
            {
                obj = kind switch
                {
                    PasswordGenerator.GeneratorKind => await api.GetPasswordGeneratorAsync(@namespace, name, cancellationToken).ConfigureAwait(false),
                    VaultDynamicSecretGenerator.GeneratorKind => await api.GetVaultDynamicSecretGeneratorAsync(@namespace, name, cancellationToken).ConfigureAwait(false),
                    _ => throw new GeneratorException($"generator kind \"{kind}\" is not supported (supported: Password, VaultDynamicSecret, ClusterGenerator)"),
                };
                specKind = kind;
                spec = obj?["spec"] as JsonObject ?? (obj is null ? null : new JsonObject());
            }
        }
        catch (KubernetesApiException ex)
        {
            throw new GeneratorException($"cannot read {kind} {name}: {ex.Message}", ex);
        }

        if (obj is null)
        {
            throw new GeneratorException($"{kind} {name} not found");
        }

        if (spec is null || !_generators.TryGetValue(specKind, out var generator))
        {
            throw new GeneratorException($"{kind} {name}: generator kind \"{specKind}\" is not supported");
        }

        return await generator.GenerateAsync(spec, call, cancellationToken).ConfigureAwait(false);
    }

    private static string? Text(JsonNode? node) => node is JsonValue v && v.TryGetValue<string>(out var s) ? s : null;
}
