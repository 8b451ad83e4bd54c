namespace CsiDriver.Providers.Aws;

// Request and response shapes of the listing, tagging and write calls (Secrets Manager and SSM) the External Secrets
// stores make; only the fields they use. Values travel as SecretBinary (base64), as the External Secrets Operator writes them.

internal sealed class AwsTag
{
    public required string Key { get; init; }

    public string? Value { get; init; }
}

internal sealed class AwsListFilter
{
    public required string Key { get; init; }

    public required List<string> Values { get; init; }
}

internal sealed class ListSecretsRequest
{
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public List<AwsListFilter>? Filters { get; init; }

    public int MaxResults { get; init; } = 100;

    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? NextToken { get; init; }
}

internal sealed class ListSecretsResponse
{
    public List<SecretListEntry>? SecretList { get; init; }

    public string? NextToken { get; init; }
}

/// <summary>One secret's description in a listing: name and tags, never a value.</summary>
internal sealed class SecretListEntry
{
    public string? ARN { get; init; }

    public string? Name { get; init; }

    public List<AwsTag>? Tags { get; init; }

    public DateTimeOffset? DeletedDate { get; init; }
}

internal sealed class CreateSecretRequest
{
    public required string Name { get; init; }

    public required byte[] SecretBinary { get; init; }

    public required List<AwsTag> Tags { get; init; }

    public required string ClientRequestToken { get; init; }

    public override string ToString() => $"create secret {Name}";
}

internal sealed class PutSecretValueRequest
{
    public required string SecretId { get; init; }

    public required byte[] SecretBinary { get; init; }

    public required string ClientRequestToken { get; init; }

    public override string ToString() => $"put secret value {SecretId}";
}

internal sealed class SecretWriteResponse
{
    public string? ARN { get; init; }

    public string? Name { get; init; }

    public string? VersionId { get; init; }
}

internal sealed class DeleteSecretRequest
{
    public required string SecretId { get; init; }

    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public long? RecoveryWindowInDays { get; init; }

    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public bool? ForceDeleteWithoutRecovery { get; init; }
}

internal sealed class SsmParameterFilter
{
    public required string Key { get; init; }

    public required string Option { get; init; }

    public required List<string> Values { get; init; }
}

internal sealed class DescribeParametersRequest
{
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public List<SsmParameterFilter>? ParameterFilters { get; init; }

    public int MaxResults { get; init; } = 50;

    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? NextToken { get; init; }
}

internal sealed class DescribeParametersResponse
{
    public List<SsmParameterMetadata>? Parameters { get; init; }

    public string? NextToken { get; init; }
}

internal sealed class SsmParameterMetadata
{
    public string? Name { get; init; }

    public string? Type { get; init; }
}

internal sealed class PutParameterRequest
{
    public required string Name { get; init; }

    public required string Value { get; init; }

    public string Type { get; init; } = "String";

    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public bool? Overwrite { get; init; }

    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public List<AwsTag>? Tags { get; init; }

    public override string ToString() => $"put parameter {Name}";
}

internal sealed class PutParameterResponse
{
    public long Version { get; init; }
}

internal sealed class DeleteParameterRequest
{
    public required string Name { get; init; }
}

internal sealed class ListTagsForResourceRequest
{
    public string ResourceType { get; init; } = "Parameter";

    public required string ResourceId { get; init; }
}

internal sealed class ListTagsForResourceResponse
{
    public List<AwsTag>? TagList { get; init; }
}

internal sealed class AwsEmptyResponse
{
}

[JsonSerializable(typeof(ListSecretsRequest))]
[JsonSerializable(typeof(ListSecretsResponse))]
[JsonSerializable(typeof(CreateSecretRequest))]
[JsonSerializable(typeof(PutSecretValueRequest))]
[JsonSerializable(typeof(SecretWriteResponse))]
[JsonSerializable(typeof(DeleteSecretRequest))]
[JsonSerializable(typeof(DescribeParametersRequest))]
[JsonSerializable(typeof(DescribeParametersResponse))]
[JsonSerializable(typeof(PutParameterRequest))]
[JsonSerializable(typeof(PutParameterResponse))]
[JsonSerializable(typeof(DeleteParameterRequest))]
[JsonSerializable(typeof(ListTagsForResourceRequest))]
[JsonSerializable(typeof(ListTagsForResourceResponse))]
[JsonSerializable(typeof(AwsEmptyResponse))]
internal sealed partial class AwsWriteJsonContext : JsonSerializerContext
{
}
