using CsiDriver.Publishing;

namespace CsiDriver.ExternalSecrets.Stores.References;

/// <summary>
/// Reads fields of a store's provider block (raw JSON as written in the manifest) with errors that name the store and
/// the field's path, e.g. <c>SecretStore "vault" (vault): spec.provider.vault.auth.kubernetes.role is required</c>.
/// Messages quote field names and non-secret values only.
/// </summary>
internal readonly struct StoreBlock(StoreContext store, JsonObject? node, string path)
{
    /// <summary>The block for <paramref name="store"/>'s <c>spec.provider.&lt;key&gt;</c>.</summary>
    public static StoreBlock Root(StoreContext store) => new(store, store.Provider, $"spec.provider.{store.ProviderKey}");

    public JsonObject? Node { get; } = node;

    public string Path { get; } = path;

    public bool Exists => Node is not null;

    /// <summary>A child object, or a block that does not exist when the field is absent or null.</summary>
    public StoreBlock Child(string name) => Node?[name] switch
    {
        null => new StoreBlock(store, null, $"{Path}.{name}"),
        JsonObject child => new StoreBlock(store, child, $"{Path}.{name}"),
        _ => throw Invalid($"{Path}.{name} must be an object"),
    };

    public bool Has(string name) => Node?[name] is not null;

    /// <summary>A string field; null when absent, null or empty.</summary>
    public string? String(string name)
    {
        var node = Node?[name];
        if (node is null)
        {
            return null;
        }

        if (node is JsonValue value && value.GetValueKind() == JsonValueKind.String)
        {
            var text = value.GetValue<string>().Trim();
            return text.Length == 0 ? null : text;
        }

        throw Invalid($"{Path}.{name} must be a string");
    }

    public string RequiredString(string name) => String(name) ?? throw Invalid($"{Path}.{name} is required");

    /// <summary>A list of strings; empty when absent.</summary>
    public IReadOnlyList<string> Strings(string name)
    {
        var node = Node?[name];
        if (node is null)
        {
            return [];
        }

        if (node is not JsonArray array || array.Any(i => i is not JsonValue v || v.GetValueKind() != JsonValueKind.String))
        {
            throw Invalid($"{Path}.{name} must be a list of strings");
        }

        return [.. array.Select(i => i!.GetValue<string>())];
    }

    /// <summary>The field names present, to check one-of blocks.</summary>
    public IEnumerable<string> Fields => Node?.Where(p => p.Value is not null).Select(p => p.Key) ?? [];

    /// <summary>A <c>SecretKeySelector</c> (<c>{name, namespace?, key?}</c>); null when absent.</summary>
    public SecretKeySelector? SecretKey(string name, string? defaultKey = null)
    {
        var block = Child(name);
        if (!block.Exists)
        {
            return null;
        }

        var key = block.String("key") ?? defaultKey ?? throw Invalid($"{block.Path}.key is required");
        return new SecretKeySelector(block.RequiredString("name"), block.String("namespace"), key, block.Path);
    }

    /// <summary>A <c>ServiceAccountSelector</c> (<c>{name, namespace?, audiences?}</c>); null when absent.</summary>
    public ServiceAccountSelector? ServiceAccount(string name)
    {
        var block = Child(name);
        return block.Exists
            ? new ServiceAccountSelector(block.RequiredString("name"), block.String("namespace"), block.Strings("audiences"), block.Path)
            : null;
    }

    /// <summary>A <c>caProvider</c> (<c>{type: Secret|ConfigMap, name, key?, namespace?}</c>); null when absent.</summary>
    public CaProviderRef? CaProvider(string name)
    {
        var block = Child(name);
        if (!block.Exists)
        {
            return null;
        }

        var type = block.RequiredString("type");
        if (type is not ("Secret" or "ConfigMap"))
        {
            throw Invalid($"{block.Path}.type must be Secret or ConfigMap, not '{type}'");
        }

        return new CaProviderRef(type == "Secret", block.RequiredString("name"), block.String("key"), block.String("namespace"), block.Path);
    }

    public SecretStoreException Invalid(string problem) =>
        new(FailureKind.InvalidConfiguration, $"{store}: {problem}") { Reason = "InvalidProviderConfig" };
}

/// <summary>A reference to one key of a Secret (<c>SecretKeySelector</c>), and where in the block it was written.</summary>
internal sealed record SecretKeySelector(string Name, string? Namespace, string Key, string Field)
{
    public override string ToString() => $"{Field} (Secret {(Namespace is null ? string.Empty : Namespace + "/")}{Name}, key {Key})";
}

/// <summary>A reference to a ServiceAccount (<c>ServiceAccountSelector</c>), and where in the block it was written.</summary>
internal sealed record ServiceAccountSelector(string Name, string? Namespace, IReadOnlyList<string> Audiences, string Field)
{
    public override string ToString() => $"{Field} (ServiceAccount {(Namespace is null ? string.Empty : Namespace + "/")}{Name})";
}

/// <summary>A <c>caProvider</c>: a Secret or ConfigMap key holding PEM certificates.</summary>
internal sealed record CaProviderRef(bool IsSecret, string Name, string? Key, string? Namespace, string Field);
