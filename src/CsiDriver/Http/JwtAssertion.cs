using System.Buffers.Text;

namespace CsiDriver.Http;

/// <summary>
/// An RS256-signed JWT in compact form (RFC 7515, 7519), as token endpoints take it for a client assertion: Entra ID's
/// certificate credential (RFC 7523) and Google's service-account grant. Only the signature depends on the key.
/// </summary>
internal static class JwtAssertion
{
    /// <summary>
    /// The JWT with header <c>alg: RS256, typ: JWT</c> then <paramref name="header"/>, and <paramref name="claims"/>, in the
    /// order given; values are strings, or numbers given as <see cref="long"/>.
    /// </summary>
    public static string Sign(RSA key, IEnumerable<(string Name, object Value)> header, IEnumerable<(string Name, object Value)> claims)
    {
        var signingInput = Encode([("alg", "RS256"), ("typ", "JWT"), .. header]) + "." + Encode(claims);
        var signature = key.SignData(Encoding.ASCII.GetBytes(signingInput), HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        return signingInput + "." + Base64Url.EncodeToString(signature);
    }

    private static string Encode(IEnumerable<(string Name, object Value)> fields)
    {
        var json = new JsonObject();
        foreach (var (name, value) in fields)
        {
            json[name] = value is long number ? JsonValue.Create(number) : JsonValue.Create((string)value);
        }

        return Base64Url.EncodeToString(Encoding.UTF8.GetBytes(json.ToJsonString()));
    }
}
