namespace CsiDriver.Providers.Aws;

/// <summary>Which AWS store an object lives in.</summary>
internal enum AwsObjectKind
{
    SsmParameter,
    SecretsManager,
}

/// <summary>A validated <c>objects</c> entry: where to read it, which file it becomes, and its extracted keys.</summary>
/// <param name="FileName">The output file name: alias or name, with <c>/</c> translated.</param>
internal sealed record AwsObject(AwsObjectSpec Spec, AwsObjectKind Kind, string FileName, UnixFileMode? Mode, IReadOnlyList<JmesFile> JmesFiles)
{
    public string Name => Spec.ObjectName!;

    public string NameIn(bool failover) => failover && !string.IsNullOrEmpty(Spec.FailoverObject?.ObjectName) ? Spec.FailoverObject.ObjectName : Name;

    public string? VersionIn(bool failover) => ProviderParameters.NullIfEmpty(failover && !string.IsNullOrEmpty(Spec.FailoverObject?.ObjectVersion) ? Spec.FailoverObject.ObjectVersion : Spec.ObjectVersion);

    public string? LabelIn(bool failover) => ProviderParameters.NullIfEmpty(failover && !string.IsNullOrEmpty(Spec.FailoverObject?.ObjectVersionLabel) ? Spec.FailoverObject.ObjectVersionLabel : Spec.ObjectVersionLabel);

    public override string ToString() => $"{Kind} {Name} -> {FileName}";
}

/// <summary>One file extracted from a JSON secret by a JMESPath expression.</summary>
internal sealed record JmesFile(string Expression, string Alias, string FileName, UnixFileMode? Mode, JmesPath Path);
