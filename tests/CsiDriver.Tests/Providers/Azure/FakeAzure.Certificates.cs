using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http;

namespace CsiDriver.Tests.Providers.Azure;

/// <summary>
/// Certificate credentials as Entra ID checks them (private_key_jwt, RFC 7523): the client assertion is a JWT signed RS256
/// with the key of a certificate registered for the client, named by its <c>x5t</c> (SHA-1 thumbprint) header, whose
/// <c>aud</c> is this token endpoint, <c>iss</c> and <c>sub</c> the client id, within <c>nbf</c>..<c>exp</c>, with a
/// <c>jti</c> never seen before.
/// </summary>
internal sealed partial class FakeAzure
{
    private readonly ConcurrentDictionary<string, bool> _assertionIds = new();

    /// <summary>Client id to the certificates (public parts) registered as its credentials.</summary>
    public ConcurrentDictionary<string, X509Certificate2[]> CertificateClients { get; } = new();

    /// <summary>Why each refused certificate assertion was refused, in order.</summary>
    public ConcurrentQueue<string> AssertionRefusals { get; } = new();

    /// <summary>Decoded headers and claims of every certificate assertion checked, accepted or not.</summary>
    public ConcurrentQueue<(JsonObject Header, JsonObject Claims)> Assertions { get; } = new();

    /// <summary>Entra ID's clock for <c>nbf</c>/<c>exp</c>: the test's clock when the controller runs on one.</summary>
    public TimeProvider Clock { get; set; } = TimeProvider.System;

    /// <summary>Registers <paramref name="certificate"/>'s public part as a credential of <paramref name="client"/>.</summary>
    public void RegisterCertificate(string client, X509Certificate2 certificate) =>
        CertificateClients.AddOrUpdate(client, [X509CertificateLoader.LoadCertificate(certificate.RawData)], (_, old) => [.. old, X509CertificateLoader.LoadCertificate(certificate.RawData)]);

    private bool CertificateAssertionValid(HttpContext context, string client, string assertion)
    {
        if (!CertificateClients.TryGetValue(client, out var registered))
        {
            return false;
        }

        var problem = AssertionProblem(context, client, assertion, registered);
        if (problem is not null)
        {
            AssertionRefusals.Enqueue(problem);
        }

        return problem is null;
    }

    private string? AssertionProblem(HttpContext context, string client, string assertion, X509Certificate2[] registered)
    {
        var parts = assertion.Split('.');
        if (parts.Length != 3)
        {
            return "not a compact JWS";
        }

        JsonObject header, claims;
        byte[] signature;
        try
        {
            header = JsonNode.Parse(Base64UrlDecode(parts[0]))!.AsObject();
            claims = JsonNode.Parse(Base64UrlDecode(parts[1]))!.AsObject();
            signature = Base64UrlDecode(parts[2]);
        }
        catch (Exception ex) when (ex is FormatException or System.Text.Json.JsonException or InvalidOperationException)
        {
            return "not base64url JSON";
        }

        Assertions.Enqueue((header, claims));
        if (header["alg"]?.GetValue<string>() != "RS256")
        {
            return "alg is not RS256";
        }

        var x5t = header["x5t"]?.GetValue<string>();
        var certificate = registered.FirstOrDefault(c => X5t(c) == x5t);
        if (certificate is null)
        {
            return "x5t names no certificate registered for the client (AADSTS700027)";
        }

        using var key = certificate.GetRSAPublicKey()!;
        if (!key.VerifyData(Encoding.ASCII.GetBytes(parts[0] + "." + parts[1]), signature, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1))
        {
            return "signature does not verify with the registered certificate (AADSTS700027)";
        }

        var endpoint = $"{context.Request.Scheme}://{context.Request.Host}{context.Request.Path}";
        if (claims["aud"]?.GetValue<string>() != endpoint)
        {
            return $"aud is not {endpoint}";
        }

        if (claims["iss"]?.GetValue<string>() != client || claims["sub"]?.GetValue<string>() != client)
        {
            return "iss and sub are not the client id";
        }

        var now = Clock.GetUtcNow().ToUnixTimeSeconds();
        if (claims["exp"]?.GetValue<long>() is not { } exp || exp <= now || claims["nbf"]?.GetValue<long>() is not { } nbf || nbf > now + 300)
        {
            return "outside nbf..exp (AADSTS700024)";
        }

        if (claims["jti"]?.GetValue<string>() is not { Length: > 0 } jti || !_assertionIds.TryAdd(jti, true))
        {
            return "jti missing or replayed";
        }

        return null;
    }

    private static byte[] Base64UrlDecode(string text) => System.Buffers.Text.Base64Url.DecodeFromChars(text);

    /// <summary>The certificate's <c>x5t</c>: its SHA-1 thumbprint, base64url.</summary>
#pragma warning disable CA5350 // x5t is SHA-1 by definition (RFC 7515 4.1.7); it names a certificate.
    public static string X5t(X509Certificate2 certificate) => System.Buffers.Text.Base64Url.EncodeToString(SHA1.HashData(certificate.RawData));
#pragma warning restore CA5350
}
