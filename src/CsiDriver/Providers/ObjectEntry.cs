namespace CsiDriver.Providers;

/// <summary>One entry of the <c>objects</c> parameter of the <c>kubernetes</c> and <c>local</c> providers.</summary>
/// <param name="ObjectType">The <c>kubernetes</c> provider's <c>secret</c> or <c>configmap</c>; the <c>local</c> provider has no types.</param>
internal sealed record ObjectEntry(string? ObjectName = null, string? ObjectType = null, string? ObjectAlias = null, string? FilePermission = null);

/// <summary>Source-generated reader of the <c>objects</c> parameter (camelCase names, as in manifests).</summary>
[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase)]
[JsonSerializable(typeof(List<ObjectEntry?>))]
internal sealed partial class ObjectEntryJsonContext : JsonSerializerContext;
