using CsiDriver.ExternalSecrets.Api;

namespace CsiDriver.ExternalSecrets.Kubernetes;

// What the controller reads of listed and watched objects: metadata and the few spec and status fields event
// routing needs. Everything else (Secret data above all) is skipped by the parser and never held.

/// <summary>One listed or watched object, or the <c>Status</c> of an ERROR event (then only Code, Reason and Message are set).</summary>
/// <param name="Status">An object's status, or the word <c>Failure</c> in an ERROR event's Status: so read as raw JSON.</param>
internal sealed record WatchedObject(
    WatchedMetadata? Metadata = null, WatchedSpec? Spec = null, JsonElement? Status = null, int? Code = null, string? Reason = null,
    string? Message = null);

/// <summary>An ExternalSecret's target and store references (other kinds' specs leave these empty).</summary>
internal sealed record WatchedSpec(
    WatchedName? Target = null, StoreRef? SecretStoreRef = null, List<WatchedDataEntry>? Data = null, List<WatchedDataEntry>? DataFrom = null);

/// <summary>An object with a name.</summary>
internal sealed record WatchedName(string? Name = null);

/// <summary>A <c>data[]</c> or <c>dataFrom[]</c> entry: only its store override.</summary>
internal sealed record WatchedDataEntry(SourceRef? SourceRef = null);

/// <summary>A list response page.</summary>
internal sealed record WatchedList(WatchedListMetadata? Metadata = null, List<WatchedObject>? Items = null);

/// <summary>A list's resourceVersion and continue token.</summary>
internal sealed record WatchedListMetadata(string? ResourceVersion = null, string? Continue = null);

/// <summary>One line of a watch stream.</summary>
internal sealed record WatchedEvent(string? Type = null, WatchedObject? Object = null);

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase, DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(WatchedList))]
[JsonSerializable(typeof(WatchedEvent))]
[JsonSerializable(typeof(WatchedObject))]
internal sealed partial class WatchJsonContext : JsonSerializerContext
{
}
