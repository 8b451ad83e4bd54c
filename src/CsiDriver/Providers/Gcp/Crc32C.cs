namespace CsiDriver.Providers.Gcp;

/// <summary>CRC-32C (Castagnoli), the checksum Secret Manager reports as <c>dataCrc32c</c>.</summary>
internal static class Crc32C
{
    /// <summary>The checksum of <paramref name="data"/>, on the runtime's CRC-32C step (SSE4.2 or ARM CRC32 where available).</summary>
    public static uint Compute(ReadOnlySpan<byte> data)
    {
        var crc = 0xFFFFFFFFu;
        foreach (var b in data)
        {
            crc = System.Numerics.BitOperations.Crc32C(crc, b);
        }

        return ~crc;
    }
}
