namespace CsiDriver.Sync;

/// <summary>
/// What one <c>secretObjects</c> entry says its Secret must hold. <see cref="ToString"/> never shows the data.
/// </summary>
internal sealed record DesiredSecret(
    string Name,
    string Type,
    IReadOnlyDictionary<string, string> Labels,
    IReadOnlyDictionary<string, string> Annotations,
    IReadOnlyDictionary<string, byte[]> Data)
{
    /// <summary>
    /// A keyed (HMAC-SHA256) digest of everything the entry sets, for "did this change since I wrote it?".
    /// Keyed with a per-process random key, so the digest kept in memory reveals nothing about the values.
    /// </summary>
    public byte[] Digest(byte[] key)
    {
        using var hmac = IncrementalHash.CreateHMAC(HashAlgorithmName.SHA256, key);
        Add(hmac, Name);
        Add(hmac, Type);
        foreach (var map in new[] { Labels, Annotations })
        {
            Add(hmac, map.Count.ToString(System.Globalization.CultureInfo.InvariantCulture));
            foreach (var (k, v) in map.OrderBy(p => p.Key, StringComparer.Ordinal))
            {
                Add(hmac, k);
                Add(hmac, v);
            }
        }

        foreach (var (k, v) in Data.OrderBy(p => p.Key, StringComparer.Ordinal))
        {
            Add(hmac, k);
            Add(hmac, v);
        }

        return hmac.GetHashAndReset();
    }

    public override string ToString() => $"Secret {Name} ({Type}, {Data.Count} keys)";

    private static void Add(IncrementalHash hash, string text) => Add(hash, Encoding.UTF8.GetBytes(text));

    private static void Add(IncrementalHash hash, byte[] bytes)
    {
        // Length-prefixed, so ("ab","c") and ("a","bc") differ.
        hash.AppendData(BitConverter.GetBytes(bytes.LongLength));
        hash.AppendData(bytes);
    }
}
