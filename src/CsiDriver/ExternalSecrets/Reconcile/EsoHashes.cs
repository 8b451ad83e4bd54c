namespace CsiDriver.ExternalSecrets.Reconcile;

/// <summary>
/// The External Secrets Operator's hashes (eso.md 3.9): SHA3-224 over the text Go's <c>%+v</c> prints, byte for byte,
/// so Secrets and statuses written by that operator are recognised after a migration.
/// </summary>
internal static class EsoHashes
{
    /// <summary>The <c>data-hash</c> annotation: <c>map[k:[1 2 3] k2:[]]</c>, keys sorted byte-wise.</summary>
    public static string DataHash(IReadOnlyDictionary<string, byte[]>? data)
    {
        var text = new StringBuilder("map[");
        var first = true;
        foreach (var key in SortedKeys(data?.Keys))
        {
            text.Append(first ? string.Empty : " ").Append(key).Append(":[");
            var value = data![key];
            for (var i = 0; i < value.Length; i++)
            {
                text.Append(i == 0 ? string.Empty : " ").Append(value[i].ToString(CultureInfo.InvariantCulture));
            }

            text.Append(']');
            first = false;
        }

        return Sha3_224.HexOf(text.Append(']').ToString());
    }

    /// <summary>The <c>created-by</c> label: the hash of <c>namespace/name</c>.</summary>
    public static string CreatedBy(string @namespace, string name) => Sha3_224.HexOf($"{@namespace}/{name}");

    /// <summary>The meta hash in <c>syncedResourceVersion</c>: <c>{annotations:map[k:v] labels:map[k:v]}</c>.</summary>
    public static string MetaHash(IReadOnlyDictionary<string, string>? labels, IReadOnlyDictionary<string, string>? annotations) =>
        Sha3_224.HexOf($"{{annotations:{GoMap(annotations)} labels:{GoMap(labels)}}}");

    /// <summary>The field manager for the ExternalSecret's writes to its Secret (eso.md section 0).</summary>
    public static string FieldManager(string externalSecretName)
    {
        var manager = "externalsecrets.external-secrets.io/" + externalSecretName;
        return manager.Length > 63 ? "externalsecrets.external-secrets.io/sha3/" + Sha3_224.HexOf(externalSecretName) : manager;
    }

    private static string GoMap(IReadOnlyDictionary<string, string>? map)
    {
        var text = new StringBuilder("map[");
        var first = true;
        foreach (var key in SortedKeys(map?.Keys))
        {
            text.Append(first ? string.Empty : " ").Append(key).Append(':').Append(map![key]);
            first = false;
        }

        return text.Append(']').ToString();
    }

    // Go sorts map keys by their bytes; ordinal UTF-16 order differs only for surrogate pairs, so compare UTF-8.
    private static IEnumerable<string> SortedKeys(IEnumerable<string>? keys) =>
        keys is null ? [] : keys.OrderBy(k => Encoding.UTF8.GetBytes(k), ByteOrder.Instance);

    private sealed class ByteOrder : IComparer<byte[]>
    {
        public static readonly ByteOrder Instance = new();

        public int Compare(byte[]? x, byte[]? y) => x.AsSpan().SequenceCompareTo(y);
    }
}
