namespace CsiDriver.Providers.Aws;

// Request and response shapes of the AWS JSON 1.1 calls the provider and the External Secrets stores make; only the
// fields they use. Values are written as SecretBinary (base64), as the External Secrets Operator writes them; null
// fields are left out of requests, as the AWS SDKs leave out unset ones.

internal sealed record GetSecretValueRequest(string SecretId, string? VersionId = null, string? VersionStage = null);

/// <summary>One secret value; <see cref="ToString"/> never shows it.</summary>
internal sealed record SecretValueEntry(string? ARN = null, string? Name = null, string? VersionId = null, string? SecretString = null, byte[]? SecretBinary = null)
{
    public override string ToString() => $"secret {Name} version {VersionId}";
}

/// <summary>A request that names one secret (DescribeSecret).</summary>
internal sealed record SecretIdRequest(string SecretId);

/// <summary>
/// A secret's description, never its value: DescribeSecret's answer and one entry of ListSecrets (which carries no
/// <paramref name="VersionIdsToStages"/>).
/// </summary>
internal sealed record SecretDescription(
    string? ARN = null, string? Name = null, Dictionary<string, List<string>>? VersionIdsToStages = null, List<AwsTag>? Tags = null, DateTimeOffset? DeletedDate = null);

internal sealed record BatchGetSecretValueRequest(List<string> SecretIdList, string? NextToken = null)
{
    public override string ToString() => $"batch of {SecretIdList.Count} secret ids";
}

internal sealed record BatchGetSecretValueResponse(List<SecretValueEntry>? SecretValues = null, List<BatchGetSecretError>? Errors = null, string? NextToken = null)
{
    public override string ToString() => $"{SecretValues?.Count ?? 0} values, {Errors?.Count ?? 0} errors";
}

internal sealed record BatchGetSecretError(string? SecretId = null, string? ErrorCode = null, string? Message = null);

internal sealed record GetParametersRequest(List<string> Names, bool WithDecryption = true);

internal sealed record GetParametersResponse(List<SsmParameter>? Parameters = null, List<string>? InvalidParameters = null);

/// <summary>One SSM parameter; <see cref="ToString"/> never shows the value.</summary>
internal sealed record SsmParameter(string? Name = null, string? ARN = null, string? Type = null, string? Value = null, long Version = 0, string? Selector = null)
{
    public override string ToString() => $"parameter {Name}{Selector} version {Version}";
}

internal sealed record AwsJsonError(
    [property: JsonPropertyName("__type")] string? Type = null,
    [property: JsonPropertyName("message")] string? Message = null,
    [property: JsonPropertyName("Message")] string? MessageUpper = null);

/// <summary>The EKS Pod Identity agent's (container credentials) response.</summary>
internal sealed record ContainerCredentialsResponse(
    string? AccessKeyId = null,
    string? SecretAccessKey = null,
    string? Token = null,
    DateTimeOffset? Expiration = null,
    [property: JsonPropertyName("code")] string? Code = null,
    [property: JsonPropertyName("message")] string? Message = null)
{
    public override string ToString() => $"container credentials {AccessKeyId}";
}

internal sealed record AwsTag(string Key = "", string? Value = null)
{
    public override string ToString() => $"tag {Key}";
}

internal sealed record AwsListFilter(string Key = "", List<string>? Values = null);

internal sealed record ListSecretsRequest(List<AwsListFilter>? Filters = null, int MaxResults = 100, string? NextToken = null)
{
    public override string ToString() => "list secrets";
}

internal sealed record ListSecretsResponse(List<SecretDescription>? SecretList = null, string? NextToken = null)
{
    public override string ToString() => $"{SecretList?.Count ?? 0} secrets";
}

internal sealed record CreateSecretRequest(string Name, byte[] SecretBinary, List<AwsTag> Tags, string ClientRequestToken)
{
    public override string ToString() => $"create secret {Name}";
}

internal sealed record PutSecretValueRequest(string SecretId, byte[] SecretBinary, string ClientRequestToken)
{
    public override string ToString() => $"put secret value {SecretId}";
}

/// <summary>CreateSecret's and PutSecretValue's answer.</summary>
internal sealed record SecretWriteResponse(string? ARN = null, string? Name = null, string? VersionId = null);

internal sealed record DeleteSecretRequest(string SecretId, long? RecoveryWindowInDays = null, bool? ForceDeleteWithoutRecovery = null);

internal sealed record SsmParameterFilter(string Key = "", string Option = "", List<string>? Values = null);

internal sealed record DescribeParametersRequest(List<SsmParameterFilter>? ParameterFilters = null, int MaxResults = 50, string? NextToken = null)
{
    public override string ToString() => "describe parameters";
}

/// <summary>DescribeParameters' page: parameters' names and types, never their values.</summary>
internal sealed record DescribeParametersResponse(List<SsmParameter>? Parameters = null, string? NextToken = null)
{
    public override string ToString() => $"{Parameters?.Count ?? 0} parameters";
}

internal sealed record PutParameterRequest(string Name, string Value, string Type = "String", bool? Overwrite = null, List<AwsTag>? Tags = null)
{
    public override string ToString() => $"put parameter {Name}";
}

internal sealed record PutParameterResponse(long Version = 0);

/// <summary>A request that names one parameter (DeleteParameter).</summary>
internal sealed record ParameterNameRequest(string Name);

internal sealed record ListTagsForResourceRequest(string ResourceId, string ResourceType = "Parameter");

internal sealed record ListTagsForResourceResponse(List<AwsTag>? TagList = null);

internal sealed record AwsEmptyResponse;

[JsonSourceGenerationOptions(DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(GetSecretValueRequest))]
[JsonSerializable(typeof(SecretValueEntry))]
[JsonSerializable(typeof(SecretIdRequest))]
[JsonSerializable(typeof(SecretDescription))]
[JsonSerializable(typeof(BatchGetSecretValueRequest))]
[JsonSerializable(typeof(BatchGetSecretValueResponse))]
[JsonSerializable(typeof(GetParametersRequest))]
[JsonSerializable(typeof(GetParametersResponse))]
[JsonSerializable(typeof(AwsJsonError))]
[JsonSerializable(typeof(ContainerCredentialsResponse))]
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
[JsonSerializable(typeof(ParameterNameRequest))]
[JsonSerializable(typeof(ListTagsForResourceRequest))]
[JsonSerializable(typeof(ListTagsForResourceResponse))]
[JsonSerializable(typeof(AwsEmptyResponse))]
internal sealed partial class AwsJsonContext : JsonSerializerContext;
