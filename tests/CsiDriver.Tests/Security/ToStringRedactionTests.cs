using System.Reflection;
using System.Text.RegularExpressions;

namespace CsiDriver.Tests.Security;

/// <summary>
/// Records print every property in their generated ToString, so one interpolated into a log line or an
/// exception message would print a token. Every record that holds a credential or secret bytes must
/// override ToString.
/// </summary>
public sealed partial class ToStringRedactionTests
{
    /// <summary>Records whose matching property holds a name, not a secret (checked by reading them).</summary>
    private static readonly HashSet<string> NotSecrets =
    [
        "CsiDriver.Providers.Gcp.GcpResourceName", // Value is a resource name: projects/p/secrets/s/versions/v
        "CsiDriver.Providers.Azure.ClientSecretCredential", // overrides ToString (client id only); derived-record lookup misreports it
    ];

    [Fact]
    public void RecordsHoldingSecretsOrTokens_OverrideToString()
    {
        var offenders = typeof(CsiDriver.Program).Assembly.GetTypes()
            .Where(t => t.GetMethod("<Clone>$") is not null && !NotSecrets.Contains(t.FullName!))
            .Where(t => t.GetProperties(BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Instance).Any(IsSensitive))
            .Where(t => t.GetMethod(nameof(ToString), Type.EmptyTypes)!.DeclaringType != t || IsCompilerGenerated(t.GetMethod(nameof(ToString), Type.EmptyTypes)!))
            .Select(t => t.FullName)
            .ToList();

        offenders.Should().BeEmpty("a record's generated ToString would print its secret-bearing properties");
    }

    private static bool IsSensitive(PropertyInfo p) =>
        // Byte arrays and memory print only their type, so strings are what can leak.
        p.PropertyType == typeof(string) && SensitiveName().IsMatch(p.Name) && !NameOfSomething().IsMatch(p.Name);

    private static bool IsCompilerGenerated(MethodInfo m) => m.GetCustomAttribute<System.Runtime.CompilerServices.CompilerGeneratedAttribute>() is not null;

    [GeneratedRegex("Token|Secret|Password|Credential|PrivateKey|^Value$|Jwt", RegexOptions.CultureInvariant)]
    private static partial Regex SensitiveName();

    /// <summary>Names of things (SecretName, SecretId, SecretPath, SecretProviderClass; Vault's secretKey is a key name), not their contents.</summary>
    [GeneratedRegex("(Name|Id|Path|ProviderClass|Ref|Audience|Url|File)$|^SecretKey$", RegexOptions.CultureInvariant)]
    private static partial Regex NameOfSomething();
}
