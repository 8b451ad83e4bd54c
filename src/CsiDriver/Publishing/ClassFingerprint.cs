using System.Runtime.CompilerServices;
using CsiDriver.Spec;

namespace CsiDriver.Publishing;

/// <summary>
/// What identifies one revision of a SecretProviderClass: its resourceVersion from the API; for a class read
/// from a folder (no resourceVersion), a hash of the fields that decide what is fetched.
/// </summary>
public static class ClassFingerprint
{
    // A folder's class is one instance until its file changes (DirectorySecretProviderClassSource), so its hash is
    // taken once, not at every publish and for every volume in each rotation pass.
    private static readonly ConditionalWeakTable<SecretProviderClass, string> Hashed = new();

    public static string Of(SecretProviderClass spc) =>
        !string.IsNullOrEmpty(spc.ResourceVersion) ? spc.ResourceVersion : Hashed.GetValue(spc, Hash);

    private static string Hash(SecretProviderClass spc)
    {
        var text = new StringBuilder(spc.Provider).Append('\0');
        foreach (var (key, value) in spc.Parameters.OrderBy(p => p.Key, StringComparer.Ordinal))
        {
            text.Append(key).Append('\0').Append(value).Append('\0');
        }

        text.Append(spc.Rotation).Append('\0').Append(spc.Templates.Count).Append('\0').Append(string.Join(",", spc.Extract));
        return "sha256:" + Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text.ToString())))[..24];
    }
}
