using CsiDriver.Publishing;
using CsiDriver.Spec;
using YamlDotNet.Core;

namespace CsiDriver.Providers.Aws;

/// <summary>
/// Parses and validates the <c>objects</c> parameter with the upstream plugin's rules and error
/// texts (secret_descriptor.go): ARN/type/region checks, duplicates, aliases, <c>../</c>, failover entries.
/// </summary>
internal static partial class AwsObjectParser
{
    private static readonly Dictionary<string, AwsObjectKind> TypeMap = new(StringComparer.Ordinal)
    {
        ["secretsmanager"] = AwsObjectKind.SecretsManager,
        ["ssmparameter"] = AwsObjectKind.SsmParameter,
        ["ssm"] = AwsObjectKind.SsmParameter,
    };

    /// <summary>The <c>pathTranslation</c> character, or null when translation is off.</summary>
    public static string? ParseTranslation(string? value, Func<string, SecretStoreException> invalid) => value switch
    {
        null or "" => "_",
        _ when string.Equals(value, "false", StringComparison.OrdinalIgnoreCase) => null,
        { Length: 1 } => value,
        _ => throw invalid("pathTranslation must be either 'False' or a single character string"),
    };

    public static List<AwsObject> Parse(string yaml, string? translate, IReadOnlyList<string> regions, Func<string, SecretStoreException> invalid)
    {
        List<AwsObjectSpec?> specs;
        try
        {
            var tree = YamlDocuments.Read(new StringReader(yaml), YamlScalars.Yaml11).FirstOrDefault();
            specs = tree is null ? [] : tree.Deserialize(AwsObjectsJsonContext.Default.ListAwsObjectSpec) ?? [];
        }
        catch (YamlException ex)
        {
            throw invalid($"Failed to load SecretProviderClass: objects is not valid YAML (line {ex.Start.Line}, column {ex.Start.Column})");
        }
        catch (JsonException ex)
        {
            // Only the JSON path is reported: the exception text could quote parameter values.
            var hint = ex.Path is { } p && p.EndsWith("filePermission", StringComparison.OrdinalIgnoreCase) ? " (filePermission must be a quoted string such as \"0600\")" : string.Empty;
            throw invalid($"Failed to load SecretProviderClass: objects has a value of the wrong type at {ex.Path ?? "$"}{hint}");
        }
        catch (InvalidOperationException)
        {
            throw invalid("Failed to load SecretProviderClass: objects must be a YAML list of objects");
        }

        var result = new List<AwsObject>(specs.Count);
        var seenNames = new Dictionary<string, (string Alias, string Label)>(StringComparer.Ordinal);
        var seenAliases = new HashSet<string>(StringComparer.Ordinal);
        foreach (var spec in specs)
        {
            var item = Validate(spec, translate, regions, invalid);
            result.Add(item);

            var name = item.Name;
            var alias = item.Spec.ObjectAlias ?? string.Empty;
            var label = item.Spec.ObjectVersionLabel ?? string.Empty;
            // Upstream refuses a second entry for a name only when alias and version label are both the same.
            if (seenNames.TryGetValue(name, out var found) && found == (alias, label))
            {
                var aliasText = alias.Length > 0 ? $"duplicate object alias {alias}" : "no object alias";
                var labelText = label.Length > 0 ? $"duplicate version label {label}" : "no version label";
                throw invalid($"found descriptor with duplicate object name {name}, {aliasText}, and {labelText}");
            }

            seenNames[name] = (alias, label);
            if (alias.Length > 0 && !seenAliases.Add(alias))
            {
                throw invalid($"found duplicate object alias {alias}");
            }

            foreach (var jmes in item.Spec.JmesPath ?? [])
            {
                if (!seenAliases.Add(jmes.ObjectAlias!))
                {
                    throw invalid($"Name already in use for objectAlias: found duplicate object alias {jmes.ObjectAlias} in JMES path entry {jmes.Path}");
                }
            }
        }

        return result;
    }

    private static AwsObject Validate(AwsObjectSpec? spec, string? translate, IReadOnlyList<string> regions, Func<string, SecretStoreException> invalid)
    {
        if (spec is null || string.IsNullOrEmpty(spec.ObjectName))
        {
            throw invalid("Object name must be specified");
        }

        var name = spec.ObjectName;
        var objectType = spec.ObjectType ?? string.Empty;
        ValidateName(name, objectType, regions[0], invalid);
        var kind = TypeMap[objectType.Length > 0 ? objectType : name.Split(':')[2]];

        void CheckSsmVersion(string? version, string? label)
        {
            if (kind == AwsObjectKind.SsmParameter && !string.IsNullOrEmpty(version) && !string.IsNullOrEmpty(label))
            {
                throw invalid($"ssm parameters can not specify both objectVersion and objectVersionLabel: {name}");
            }
        }

        CheckSsmVersion(spec.ObjectVersion, spec.ObjectVersionLabel);
        var fileName = SafeFileName(string.IsNullOrEmpty(spec.ObjectAlias) ? name : spec.ObjectAlias, name, translate, invalid);

        var jmesFiles = new List<JmesFile>();
        foreach (var entry in spec.JmesPath ?? [])
        {
            if (entry is null || string.IsNullOrEmpty(entry.Path))
            {
                throw invalid("Path must be specified for JMES object");
            }

            if (string.IsNullOrEmpty(entry.ObjectAlias))
            {
                throw invalid("Object alias must be specified for JMES object");
            }

            var jmesFile = SafeFileName(entry.ObjectAlias, entry.ObjectAlias, translate, invalid);

            var path = JmesPath.TryParse(entry.Path, out var parseError)
                ?? throw invalid(parseError == JmesPath.Unsupported
                    ? $"Invalid JMES Path: {entry.Path}. This driver supports field access (a.b), quoted identifiers (\"a-b\") and array indexes (a[0])."
                    : $"Invalid JMES Path: {entry.Path}.");
            jmesFiles.Add(new JmesFile(entry.Path, entry.ObjectAlias, jmesFile, FileMode(entry.FilePermission, entry.ObjectAlias, invalid) ?? FileMode(spec.FilePermission, name, invalid), path));
        }

        if (spec.FailoverObject is { ObjectName.Length: > 0 } failover)
        {
            if (string.IsNullOrEmpty(spec.ObjectAlias))
            {
                throw invalid($"object alias must be specified for objects with failover entries: {name}");
            }

            if (regions.Count < 2)
            {
                throw invalid($"failover object allowed only when failover region is defined: {name}");
            }

            ValidateName(failover.ObjectName, objectType, regions[1], invalid);
            CheckSsmVersion(failover.ObjectVersion, failover.ObjectVersionLabel);

            if ((failover.ObjectVersion ?? string.Empty) != (spec.ObjectVersion ?? string.Empty))
            {
                throw invalid($"object versions must match between primary and failover regions: {name}");
            }
        }

        return new AwsObject(spec, kind, fileName, FileMode(spec.FilePermission, name, invalid), jmesFiles);
    }

    private static void ValidateName(string objectName, string objectType, string region, Func<string, SecretStoreException> invalid)
    {
        var hasArn = objectName.StartsWith("arn:", StringComparison.Ordinal);
        string[] arn = [];
        if (hasArn)
        {
            arn = objectName.Split(':', 6);
            if (arn.Length != 6)
            {
                throw invalid($"Invalid ARN format in object name: {objectName}");
            }

            if (arn[3] != region)
            {
                throw invalid($"ARN region must match region {region}: {objectName}");
            }
        }

        if (objectType.Length == 0 && !hasArn)
        {
            throw invalid($"Must use objectType when a full ARN is not specified: {objectName}");
        }

        if (objectType.Length == 0 && !TypeMap.ContainsKey(arn[2]))
        {
            throw invalid($"Invalid service in ARN: {arn[2]}");
        }

        if (objectType.Length != 0 && (!TypeMap.ContainsKey(objectType) || objectType == "ssm"))
        {
            throw invalid($"Invalid objectType: {objectType}");
        }

        if (objectType.Length != 0 && hasArn && (!TypeMap.TryGetValue(arn[2], out var arnKind) || TypeMap[objectType] != arnKind))
        {
            throw invalid($"objectType does not match ARN: {objectName}");
        }
    }

    /// <summary>Upstream's GetFileName: alias or name, <c>/</c> to the translation character, or leading <c>/</c> stripped.</summary>
    public static string FileName(string name, string? translate) =>
        translate is null ? name.TrimStart('/') : name.Replace("/", translate, StringComparison.Ordinal);

    /// <summary>The file <paramref name="name"/> becomes, refused (naming <paramref name="shown"/>) when it is empty or climbs out with <c>..</c>.</summary>
    private static string SafeFileName(string name, string shown, string? translate, Func<string, SecretStoreException> invalid)
    {
        var fileName = FileName(name, translate);
        return BadPath().IsMatch(fileName) || fileName.Length == 0 ? throw invalid($"path can not contain ../: {shown}") : fileName;
    }

    private static UnixFileMode? FileMode(string? value, string objectName, Func<string, SecretStoreException> invalid) => value switch
    {
        null or "" => null,
        _ when !OctalMode().IsMatch(value) =>
            throw invalid($"Invalid file permission {value} for object {objectName}: it must be a quoted string of 4 octal digits such as \"0600\""),

        // setuid/setgid/sticky bits on a secret file are never intended.
        _ when Convert.ToInt32(value, 8) > 0x1FF => throw invalid($"Invalid file permission {value} for object {objectName}: only permission bits (0000-0777) are allowed"),
        _ => (UnixFileMode)Convert.ToInt32(value, 8),
    };

    [GeneratedRegex(@"(/\.\./)|(^\.\./)|(/\.\.$)")]
    private static partial Regex BadPath();

    [GeneratedRegex("^[0-7]{4}$")]
    private static partial Regex OctalMode();
}
