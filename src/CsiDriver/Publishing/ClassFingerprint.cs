using CsiDriver.Spec;

namespace CsiDriver.Publishing;

/// <summary>
/// What identifies one revision of a SecretProviderClass: its resourceVersion from the API; for a class read
/// from a folder (no resourceVersion), a hash of the fields that decide what is fetched.
/// </summary>
public static class ClassFingerprint
{
    public static string Of(SecretProviderClass spc)
    {
        if (!string.IsNullOrEmpty(spc.ResourceVersion))
        {
            return spc.ResourceVersion;
        }

        var text = new StringBuilder(spc.Provider).Append('\0');
        foreach (var (key, value) in spc.Parameters.OrderBy(p => p.Key, StringComparer.Ordinal))
        {
            text.Append(key).Append('\0').Append(value).Append('\0');
        }

        text.Append(spc.Rotation).Append('\0').Append(spc.Templates.Count).Append('\0').Append(string.Join(",", spc.Extract));
        return "sha256:" + Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text.ToString())))[..24];
    }
}
