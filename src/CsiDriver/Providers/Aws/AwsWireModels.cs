namespace CsiDriver.Providers.Aws;

// Request and response shapes of the AWS JSON 1.1 calls the provider makes; only the fields it uses.

internal sealed class GetSecretValueRequest
{
    public required string SecretId { get; init; }

    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? VersionId { get; init; }

    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? VersionStage { get; init; }
}

/// <summary>One secret value; <see cref="ToString"/> never shows it.</summary>
internal sealed class SecretValueEntry
{
    public string? ARN { get; init; }

    public string? Name { get; init; }

    public string? VersionId { get; init; }

    public string? SecretString { get; init; }

    public byte[]? SecretBinary { get; init; }

    public override string ToString() => $"secret {Name} version {VersionId}";
}

internal sealed class DescribeSecretRequest
{
    public required string SecretId { get; init; }
}

internal sealed class DescribeSecretResponse
{
    public string? ARN { get; init; }

    public string? Name { get; init; }

    public Dictionary<string, List<string>>? VersionIdsToStages { get; init; }

    public List<AwsTag>? Tags { get; init; }

    public DateTimeOffset? DeletedDate { get; init; }
}

internal sealed class BatchGetSecretValueRequest
{
    public required List<string> SecretIdList { get; init; }

    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? NextToken { get; init; }
}

internal sealed class BatchGetSecretValueResponse
{
    public List<SecretValueEntry>? SecretValues { get; init; }

    public List<BatchGetSecretError>? Errors { get; init; }

    public string? NextToken { get; init; }
}

internal sealed class BatchGetSecretError
{
    public string? SecretId { get; init; }

    public string? ErrorCode { get; init; }

    public string? Message { get; init; }
}

internal sealed class GetParametersRequest
{
    public required List<string> Names { get; init; }

    public bool WithDecryption { get; init; } = true;
}

internal sealed class GetParametersResponse
{
    public List<SsmParameter>? Parameters { get; init; }

    public List<string>? InvalidParameters { get; init; }
}

/// <summary>One SSM parameter; <see cref="ToString"/> never shows the value.</summary>
internal sealed class SsmParameter
{
    public string? Name { get; init; }

    public string? ARN { get; init; }

    public string? Type { get; init; }

    public string? Value { get; init; }

    public long Version { get; init; }

    public string? Selector { get; init; }

    public override string ToString() => $"parameter {Name}{Selector} version {Version}";
}

internal sealed class AwsJsonError
{
    [JsonPropertyName("__type")]
    public string? Type { get; init; }

    [JsonPropertyName("message")]
    public string? Message { get; init; }

    [JsonPropertyName("Message")]
    public string? MessageUpper { get; init; }
}

/// <summary>The EKS Pod Identity agent's (container credentials) response.</summary>
internal sealed class ContainerCredentialsResponse
{
    public string? AccessKeyId { get; init; }

    public string? SecretAccessKey { get; init; }

    public string? Token { get; init; }

    public DateTimeOffset? Expiration { get; init; }

    [JsonPropertyName("code")]
    public string? Code { get; init; }

    [JsonPropertyName("message")]
    public string? Message { get; init; }

    public override string ToString() => $"container credentials {AccessKeyId}";
}

[JsonSerializable(typeof(GetSecretValueRequest))]
[JsonSerializable(typeof(SecretValueEntry))]
[JsonSerializable(typeof(DescribeSecretRequest))]
[JsonSerializable(typeof(DescribeSecretResponse))]
[JsonSerializable(typeof(BatchGetSecretValueRequest))]
[JsonSerializable(typeof(BatchGetSecretValueResponse))]
[JsonSerializable(typeof(GetParametersRequest))]
[JsonSerializable(typeof(GetParametersResponse))]
[JsonSerializable(typeof(AwsJsonError))]
[JsonSerializable(typeof(ContainerCredentialsResponse))]
internal sealed partial class AwsJsonContext : JsonSerializerContext
{
}
