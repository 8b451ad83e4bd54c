using CsiDriver.Kubernetes;
using CsiDriver.Providers;
using CsiDriver.Publishing;
using CsiDriver.Spec;

namespace CsiDriver.Sync;

/// <summary>
/// Turns one <c>secretObjects</c> entry plus the volume's files into the Secret it describes, with every
/// check the API server would make done first. Errors are <see cref="SecretStoreException"/>s naming the
/// class, the Secret and the objectName or key; they never carry a value.
/// </summary>
internal static class SecretDataBuilder
{
    public const string ManagedLabel = "secrets-store.csi.k8s.io/managed";

    public static DesiredSecret Build(SecretProviderClass spc, SecretObjectSpec entry, IReadOnlyDictionary<string, SecretFile> files)
    {
        var name = entry.SecretName.Trim();
        if (!KubernetesNames.IsValid(name))
        {
            throw Fail(spc, name, $"secretName '{name}' is not a valid Kubernetes name (lowercase letters, digits, '-' and '.')");
        }

        if (entry.Data.Count == 0)
        {
            throw Fail(spc, name, "secretObjects entry has no data");
        }

        var type = SecretTypes.Effective(entry.Type);
        var data = new Dictionary<string, byte[]>(StringComparer.Ordinal);
        foreach (var item in entry.Data)
        {
            var objectName = item.ObjectName.Trim();
            var key = item.Key.Trim();
            if (objectName.Length == 0)
            {
                throw Fail(spc, name, $"data entry for key '{key}' has no objectName");
            }

            if (SecretTypes.CheckKey(key) is { } badKey)
            {
                throw Fail(spc, name, $"data key '{key}' (objectName {objectName}) is invalid: {badKey}");
            }

            if (data.ContainsKey(key))
            {
                throw Fail(spc, name, $"data key '{key}' is listed more than once");
            }

            if (!files.TryGetValue(objectName, out var file))
            {
                throw Fail(spc, name, $"objectName {objectName} (key {key}) is not an object in the mounted volume; it must be the file path of an object the class fetches (its objectAlias if it has one)");
            }

            var contents = file.Contents.ToArray();
            if (type == SecretTypes.Tls)
            {
                try
                {
                    contents = TlsParts.Convert(key, contents);
                }
                catch (FormatException ex)
                {
                    throw Fail(spc, name, $"objectName {objectName} for key {key} of a {SecretTypes.Tls} Secret {ex.Message}");
                }
            }

            data[key] = contents;
        }

        var labels = new Dictionary<string, string>(entry.Labels, StringComparer.Ordinal) { [ManagedLabel] = "true" };
        if (SecretTypes.CheckData(type, data, entry.Annotations) is { } badType)
        {
            throw Fail(spc, name, badType);
        }

        return new DesiredSecret(name, type, labels, entry.Annotations, data);
    }

    public static SecretStoreException Fail(SecretProviderClass spc, string secretName, string cause) =>
        new(FailureKind.InvalidConfiguration, $"SecretProviderClass {spc.Description}: cannot sync Secret {spc.Namespace}/{secretName}: {cause}") { Reason = SyncReasons.FailedToCreateSecret };
}

/// <summary>Event reasons, as upstream names them.</summary>
internal static class SyncReasons
{
    /// <summary>Upstream's controller reason for every sync failure.</summary>
    public const string FailedToCreateSecret = "FailedToCreateSecret";

    /// <summary>Upstream (v1.5 and earlier) Normal reason when a rotation changed a synced Secret.</summary>
    public const string SecretRotationComplete = "SecretRotationComplete";
}
