using System.Buffers.Binary;

namespace CsiDriver.ExternalSecrets.Reconcile;

/// <summary>
/// SHA3-224 (FIPS 202): .NET ships SHA3-256/384/512 only where the OS has them and never 224, and the External
/// Secrets Operator's labels and annotations are SHA3-224, so this is a small Keccak-f[1600] sponge (rate 144 bytes).
/// </summary>
internal static class Sha3_224
{
    private const int Rate = 144;
    private const int OutputBytes = 28;

    private static readonly ulong[] RoundConstants =
    [
        0x0000000000000001UL, 0x0000000000008082UL, 0x800000000000808aUL, 0x8000000080008000UL,
        0x000000000000808bUL, 0x0000000080000001UL, 0x8000000080008081UL, 0x8000000000008009UL,
        0x000000000000008aUL, 0x0000000000000088UL, 0x0000000080008009UL, 0x000000008000000aUL,
        0x000000008000808bUL, 0x800000000000008bUL, 0x8000000000008089UL, 0x8000000000008003UL,
        0x8000000000008002UL, 0x8000000000000080UL, 0x000000000000800aUL, 0x800000008000000aUL,
        0x8000000080008081UL, 0x8000000000008080UL, 0x0000000080000001UL, 0x8000000080008008UL,
    ];

    private static readonly int[] Rotations =
    [
        0, 1, 62, 28, 27,
        36, 44, 6, 55, 20,
        3, 10, 43, 25, 39,
        41, 45, 15, 21, 8,
        18, 2, 61, 56, 14,
    ];

    public static byte[] Hash(ReadOnlySpan<byte> input)
    {
        Span<ulong> state = stackalloc ulong[25];
        Span<byte> block = stackalloc byte[Rate];
        while (input.Length >= Rate)
        {
            Absorb(state, input[..Rate]);
            input = input[Rate..];
        }

        // Last block: the message's rest, the SHA-3 domain bits 01 plus the first pad bit (0x06), the final pad bit (0x80).
        block.Clear();
        input.CopyTo(block);
        block[input.Length] ^= 0x06;
        block[Rate - 1] ^= 0x80;
        Absorb(state, block);

        var output = new byte[32];
        for (var i = 0; i < 4; i++)
        {
            BinaryPrimitives.WriteUInt64LittleEndian(output.AsSpan(i * 8), state[i]);
        }

        return output[..OutputBytes];
    }

    /// <summary>Lower-case hex of the hash of <paramref name="text"/>'s UTF-8 bytes (56 characters).</summary>
    public static string HexOf(string text) => Convert.ToHexStringLower(Hash(System.Text.Encoding.UTF8.GetBytes(text)));

    private static void Absorb(Span<ulong> state, ReadOnlySpan<byte> block)
    {
        for (var i = 0; i < Rate / 8; i++)
        {
            state[i] ^= BinaryPrimitives.ReadUInt64LittleEndian(block[(i * 8)..]);
        }

        Permute(state);
    }

    private static void Permute(Span<ulong> a)
    {
        Span<ulong> c = stackalloc ulong[5];
        Span<ulong> b = stackalloc ulong[25];
        for (var round = 0; round < 24; round++)
        {
            // theta
            for (var x = 0; x < 5; x++)
            {
                c[x] = a[x] ^ a[x + 5] ^ a[x + 10] ^ a[x + 15] ^ a[x + 20];
            }

            for (var x = 0; x < 5; x++)
            {
                var d = c[(x + 4) % 5] ^ ulong.RotateLeft(c[(x + 1) % 5], 1);
                for (var y = 0; y < 25; y += 5)
                {
                    a[y + x] ^= d;
                }
            }

            // rho and pi: B[y, 2x+3y] = rot(A[x, y], r[x, y])
            for (var x = 0; x < 5; x++)
            {
                for (var y = 0; y < 5; y++)
                {
                    var index = x + (5 * y);
                    b[y + (5 * (((2 * x) + (3 * y)) % 5))] = ulong.RotateLeft(a[index], Rotations[index]);
                }
            }

            // chi
            for (var y = 0; y < 25; y += 5)
            {
                for (var x = 0; x < 5; x++)
                {
                    a[y + x] = b[y + x] ^ (~b[y + ((x + 1) % 5)] & b[y + ((x + 2) % 5)]);
                }
            }

            // iota
            a[0] ^= RoundConstants[round];
        }
    }
}
