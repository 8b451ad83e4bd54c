namespace CsiDriver.Providers.Aws;

/// <summary>One entry of the <c>objects</c> parameter, field for field as the upstream plugin reads it.</summary>
internal sealed record AwsObjectSpec(
    string? ObjectName = null,
    string? ObjectAlias = null,
    string? ObjectVersion = null,
    string? ObjectVersionLabel = null,
    string? ObjectType = null,
    string? FilePermission = null,
    List<JmesPathSpec>? JmesPath = null,
    FailoverObjectSpec? FailoverObject = null);

/// <summary>One <c>jmesPath</c> entry: a key extracted from a JSON secret into its own file.</summary>
internal sealed record JmesPathSpec(string? Path = null, string? ObjectAlias = null, string? FilePermission = null);

/// <summary>The object read in the failover region instead of the primary one.</summary>
internal sealed record FailoverObjectSpec(string? ObjectName = null, string? ObjectVersion = null, string? ObjectVersionLabel = null);

/// <summary>
/// Go's encoding/json via sigs.k8s.io/yaml turns YAML numbers and booleans into strings when the
/// field is a string (<c>objectVersion: 3</c> reads as "3"); this does the same.
/// </summary>
internal sealed class LenientStringConverter : JsonConverter<string>
{
    public override string? Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) => reader.TokenType switch
    {
        JsonTokenType.String => reader.GetString(),
        JsonTokenType.Number => System.Text.Encoding.UTF8.GetString(reader.ValueSpan),
        JsonTokenType.True => "true",
        JsonTokenType.False => "false",
        JsonTokenType.Null => null,
        _ => throw new JsonException("expected a string"),
    };

    public override void Write(Utf8JsonWriter writer, string value, JsonSerializerOptions options) => writer.WriteStringValue(value);
}

[JsonSourceGenerationOptions(PropertyNameCaseInsensitive = true, Converters = [typeof(LenientStringConverter)])]
[JsonSerializable(typeof(List<AwsObjectSpec?>))]
internal sealed partial class AwsObjectsJsonContext : JsonSerializerContext;
