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
