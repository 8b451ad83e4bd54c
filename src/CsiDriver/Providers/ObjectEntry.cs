namespace CsiDriver.Providers;

/// <summary>One entry of the <c>objects</c> parameter of the <c>kubernetes</c> and <c>local</c> providers.</summary>
internal sealed class ObjectEntry
{
    public string? ObjectName { get; set; }

    /// <summary>The <c>kubernetes</c> provider's <c>secret</c> or <c>configmap</c>; the <c>local</c> provider has no types.</summary>
    public string? ObjectType { get; set; }

    public string? ObjectAlias { get; set; }

    public string? FilePermission { get; set; }
}

/// <summary>Source-generated reader of the <c>objects</c> parameter (camelCase names, as in manifests).</summary>
[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase)]
[JsonSerializable(typeof(List<ObjectEntry?>))]
internal sealed partial class ObjectEntryJsonContext : JsonSerializerContext;
