namespace CsiDriver.Providers.Aws;

/// <summary>Which AWS store an object lives in.</summary>
internal enum AwsObjectKind
{
    SsmParameter,
    SecretsManager,
}

/// <summary>A validated <c>objects</c> entry: where to read it, which file it becomes, and its extracted keys.</summary>
internal sealed class AwsObject
{
    public required AwsObjectSpec Spec { get; init; }

    public required AwsObjectKind Kind { get; init; }

    /// <summary>The output file name: alias or name, with <c>/</c> translated.</summary>
    public required string FileName { get; init; }

    public UnixFileMode? Mode { get; init; }

    public IReadOnlyList<JmesFile> JmesFiles { get; init; } = [];

    public string Name => Spec.ObjectName!;

    public string NameIn(bool failover) => failover && !string.IsNullOrEmpty(Spec.FailoverObject?.ObjectName) ? Spec.FailoverObject.ObjectName : Name;

    public string? VersionIn(bool failover) => NonEmpty(failover && !string.IsNullOrEmpty(Spec.FailoverObject?.ObjectVersion) ? Spec.FailoverObject.ObjectVersion : Spec.ObjectVersion);

    public string? LabelIn(bool failover) => NonEmpty(failover && !string.IsNullOrEmpty(Spec.FailoverObject?.ObjectVersionLabel) ? Spec.FailoverObject.ObjectVersionLabel : Spec.ObjectVersionLabel);

    public override string ToString() => $"{Kind} {Name} -> {FileName}";

    private static string? NonEmpty(string? value) => string.IsNullOrEmpty(value) ? null : value;
}

/// <summary>One file extracted from a JSON secret by a JMESPath expression.</summary>
internal sealed record JmesFile(string Expression, string Alias, string FileName, UnixFileMode? Mode, JmesPath Path);
