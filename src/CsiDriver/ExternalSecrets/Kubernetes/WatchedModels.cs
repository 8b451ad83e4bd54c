using System.Text.Json;
using System.Text.Json.Serialization;

namespace CsiDriver.ExternalSecrets.Kubernetes;

// What the controller reads of listed and watched objects: metadata and the few spec and status fields event
// routing needs. Everything else (Secret data above all) is skipped by the parser and never held.

/// <summary>One listed or watched object, or the <c>Status</c> of an ERROR event (then only Code, Reason and Message are set).</summary>
internal sealed class WatchedObject
{
    public WatchedMetadata? Metadata { get; set; }

    public WatchedSpec? Spec { get; set; }

    /// <summary>An object's status, or the word <c>Failure</c> in an ERROR event's Status: so read as raw JSON.</summary>
    public JsonElement? Status { get; set; }

    public int? Code { get; set; }

    public string? Reason { get; set; }

    public string? Message { get; set; }
}

/// <summary>The metadata that decides whether a change matters.</summary>
internal sealed class WatchedMetadata
{
    public string? Name { get; set; }

    public string? Namespace { get; set; }

    public string? ResourceVersion { get; set; }

    public long? Generation { get; set; }

    public Dictionary<string, string>? Labels { get; set; }

    public Dictionary<string, string>? Annotations { get; set; }

    public List<string>? Finalizers { get; set; }

    public string? DeletionTimestamp { get; set; }
}

/// <summary>An ExternalSecret's target and store references (other kinds' specs leave these empty).</summary>
internal sealed class WatchedSpec
{
    public WatchedName? Target { get; set; }

    public WatchedStoreRef? SecretStoreRef { get; set; }

    public List<WatchedDataEntry>? Data { get; set; }

    public List<WatchedDataEntry>? DataFrom { get; set; }
}

/// <summary>An object with a name.</summary>
internal sealed class WatchedName
{
    public string? Name { get; set; }
}

/// <summary><c>secretStoreRef</c> / <c>sourceRef.storeRef</c>.</summary>
internal sealed class WatchedStoreRef
{
    public string? Name { get; set; }

    public string? Kind { get; set; }
}

/// <summary>A <c>data[]</c> or <c>dataFrom[]</c> entry: only its store override.</summary>
internal sealed class WatchedDataEntry
{
    public WatchedSourceRef? SourceRef { get; set; }
}

/// <summary><c>sourceRef</c>.</summary>
internal sealed class WatchedSourceRef
{
    public WatchedStoreRef? StoreRef { get; set; }
}

/// <summary>A list response page.</summary>
internal sealed class WatchedList
{
    public WatchedListMetadata? Metadata { get; set; }

    public List<WatchedObject>? Items { get; set; }
}

/// <summary>A list's resourceVersion and continue token.</summary>
internal sealed class WatchedListMetadata
{
    public string? ResourceVersion { get; set; }

    public string? Continue { get; set; }
}

/// <summary>One line of a watch stream.</summary>
internal sealed class WatchedEvent
{
    public string? Type { get; set; }

    public WatchedObject? Object { get; set; }
}

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase, DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(WatchedList))]
[JsonSerializable(typeof(WatchedEvent))]
[JsonSerializable(typeof(WatchedObject))]
internal sealed partial class WatchJsonContext : JsonSerializerContext
{
}
