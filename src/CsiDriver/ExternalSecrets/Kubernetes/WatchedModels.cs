using CsiDriver.ExternalSecrets.Api;

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

/// <summary>An ExternalSecret's target and store references (other kinds' specs leave these empty).</summary>
internal sealed class WatchedSpec
{
    public WatchedName? Target { get; set; }

    public StoreRef? SecretStoreRef { get; set; }

    public List<WatchedDataEntry>? Data { get; set; }

    public List<WatchedDataEntry>? DataFrom { get; set; }
}

/// <summary>An object with a name.</summary>
internal sealed class WatchedName
{
    public string? Name { get; set; }
}

/// <summary>A <c>data[]</c> or <c>dataFrom[]</c> entry: only its store override.</summary>
internal sealed class WatchedDataEntry
{
    public SourceRef? SourceRef { get; set; }
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
