namespace CsiDriver.Spec;

/// <summary>A resolved SecretProviderClass (<c>secrets-store.csi.x-k8s.io/v1</c>): what to fetch and from where.</summary>
public sealed record SecretProviderClass
{
    public required string Name { get; init; }

    public required string Namespace { get; init; }

    public string? Uid { get; init; }

    public string? ResourceVersion { get; init; }

    public IReadOnlyDictionary<string, string> Annotations { get; init; } = EmptyMap;

    public required string Provider { get; init; }

    public IReadOnlyDictionary<string, string> Parameters { get; init; } = EmptyMap;

    public IReadOnlyList<SecretObjectSpec> SecretObjects { get; init; } = [];

    /// <summary>Ours, optional: how volumes of this class are refreshed.</summary>
    public RotationSpec Rotation { get; init; } = RotationSpec.Default;

    /// <summary>Ours, optional: files built from several objects with templates.</summary>
    public IReadOnlyList<TemplateSpec> Templates { get; init; } = [];

    /// <summary>Ours, optional: objects holding a JSON map, expanded to one file per property.</summary>
    public IReadOnlyList<string> Extract { get; init; } = [];

    /// <summary>The annotation whose change makes the next republish or rotation pass re-fetch every volume of the class.</summary>
    public const string RefreshAnnotation = "secrets-store.csi.k8s.io/refresh";

    public string Description => $"{Namespace}/{Name}";

    internal static readonly IReadOnlyDictionary<string, string> EmptyMap = new Dictionary<string, string>(StringComparer.Ordinal);
}

/// <summary>One <c>spec.secretObjects</c> entry: a Kubernetes Secret to mirror objects into.</summary>
public sealed record SecretObjectSpec
{
    public string SecretName { get; init; } = string.Empty;

    public string Type { get; init; } = string.Empty;

    public IReadOnlyDictionary<string, string> Labels { get; init; } = SecretProviderClass.EmptyMap;

    public IReadOnlyDictionary<string, string> Annotations { get; init; } = SecretProviderClass.EmptyMap;

    public IReadOnlyList<SecretObjectData> Data { get; init; } = [];
}

/// <summary>Maps one mounted object to a key of the mirrored Secret.</summary>
public sealed record SecretObjectData(string ObjectName, string Key);

/// <summary>When volumes of a class are re-fetched.</summary>
public enum RotationPolicy
{
    /// <summary>Every rotation interval (the default, as upstream).</summary>
    Periodic,

    /// <summary>Fetched at the first publish only.</summary>
    CreatedOnce,

    /// <summary>Only when the class itself changes (its resourceVersion or refresh annotation).</summary>
    OnChange,
}

/// <summary>The optional <c>spec.rotation</c> block.</summary>
/// <param name="Interval">Overrides <c>--rotation-poll-interval</c> for this class.</param>
/// <param name="StaleIfError">How old cached objects may be when a NEW publish cannot reach the backend; null = off.</param>
public sealed record RotationSpec(RotationPolicy Policy, TimeSpan? Interval, TimeSpan? StaleIfError)
{
    public static readonly RotationSpec Default = new(RotationPolicy.Periodic, null, null);
}

/// <summary>One <c>spec.templates</c> entry: a file rendered from other objects.</summary>
public sealed record TemplateSpec(string Path, string Template, string? FilePermission);
