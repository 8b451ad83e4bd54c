using System.Security.Cryptography.X509Certificates;
using CsiDriver.Http;

namespace CsiDriver.Providers.Azure;

/// <summary>
/// A service principal's certificate credential: an X.509 certificate and its RSA private key, read from PEM the way the
/// External Secrets Operator reads <c>authSecretRef.clientCertificate</c> (CERTIFICATE blocks plus a PKCS#1 or PKCS#8
/// RSA key), and the client assertion Entra ID accepts for it (RFC 7523: RS256 with the <c>x5t</c> header naming the
/// certificate, as the operator's and Microsoft's libraries send it). Holds the key as PKCS#8 bytes and never prints them.
/// </summary>
internal sealed class AzureClientCertificate
{
    /// <summary>Entra ID accepts assertions up to this far in the future; a short one limits a leaked assertion's use.</summary>
    private static readonly TimeSpan AssertionLifetime = TimeSpan.FromMinutes(10);

    private readonly byte[] _pkcs8Key;

    private AzureClientCertificate(byte[] certificate, byte[] pkcs8Key, string subject)
    {
        _pkcs8Key = pkcs8Key;
#pragma warning disable CA5350 // x5t is SHA-1 by definition (RFC 7515 4.1.7): it names the certificate, it secures nothing.
        Thumbprint = System.Buffers.Text.Base64Url.EncodeToString(SHA1.HashData(certificate));
#pragma warning restore CA5350
        Sha256Thumbprint = System.Buffers.Text.Base64Url.EncodeToString(SHA256.HashData(certificate));
        KeyFingerprint = Convert.ToHexStringLower(SHA256.HashData(pkcs8Key));
        Subject = subject;
    }

    /// <summary>The certificate's SHA-1 thumbprint, base64url (the JWT <c>x5t</c> header).</summary>
    public string Thumbprint { get; }

    /// <summary>The certificate's SHA-256 thumbprint, base64url, to name it in identities and messages.</summary>
    public string Sha256Thumbprint { get; }

    /// <summary>A SHA-256 of the private key: only the key proves the certificate, so identities include it.</summary>
    public string KeyFingerprint { get; }

    public string Subject { get; }

    /// <summary>
    /// Reads a PEM holding one or more certificates and one unencrypted RSA private key; the certificate used is the one
    /// whose public key is that key's (a chain may follow the leaf in any order).
    /// </summary>
    /// <exception cref="FormatException">The PEM is not such a pair; the message never quotes it.</exception>
    public static AzureClientCertificate Parse(string pem)
    {
        var certificates = new List<byte[]>();
        byte[]? key = null;
        foreach (var (label, block) in KeyVaultContent.PemBlocks(pem))
        {
            var der = block ?? throw new FormatException($"its {label} block is not valid base64");

            switch (label)
            {
                case "CERTIFICATE":
                    certificates.Add(der);
                    break;
                case "PRIVATE KEY" or "RSA PRIVATE KEY":
                    if (key is not null)
                    {
                        throw new FormatException("it holds more than one private key");
                    }

                    key = RsaKey(label, der);
                    break;
                case "ENCRYPTED PRIVATE KEY":
                    throw new FormatException("its private key is encrypted (store it unencrypted in the Secret)");
                case "EC PRIVATE KEY":
                    throw new FormatException("its private key is an EC key (Entra ID certificate credentials need RSA)");
                default:
                    throw new FormatException($"it holds a {label} block (expected CERTIFICATE and PRIVATE KEY or RSA PRIVATE KEY)");
            }
        }

        if (certificates.Count == 0 || key is null)
        {
            throw new FormatException($"it holds no PEM {(certificates.Count == 0 ? "CERTIFICATE" : "PRIVATE KEY or RSA PRIVATE KEY")} block");
        }

        using var rsa = RSA.Create();
        rsa.ImportPkcs8PrivateKey(key, out _);
        var modulus = rsa.ExportParameters(false).Modulus;
        foreach (var der in certificates)
        {
            using var certificate = Load(der);
            using var publicKey = certificate.GetRSAPublicKey();
            if (publicKey is not null && publicKey.ExportParameters(false).Modulus.AsSpan().SequenceEqual(modulus))
            {
                return new AzureClientCertificate(der, key, certificate.Subject);
            }
        }

        throw new FormatException("its private key belongs to none of its certificates");
    }

    /// <summary>
    /// A signed client assertion for <paramref name="clientId"/> at <paramref name="tokenEndpoint"/>: Entra ID checks
    /// <c>aud</c> is the endpoint, <c>iss</c> and <c>sub</c> the client, the signature with the registered certificate
    /// the thumbprint names, and <c>exp</c>; <c>jti</c> makes each assertion single-use.
    /// </summary>
    public string CreateAssertion(string clientId, Uri tokenEndpoint, DateTimeOffset now)
    {
        using var rsa = RSA.Create();
        rsa.ImportPkcs8PrivateKey(_pkcs8Key, out _);
        return JwtAssertion.Sign(
            rsa,
            [("x5t", Thumbprint)],
            [
                ("aud", tokenEndpoint.AbsoluteUri),
                ("iss", clientId),
                ("sub", clientId),
                ("jti", Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16))),
                ("iat", now.ToUnixTimeSeconds()),
                ("nbf", now.ToUnixTimeSeconds()),
                ("exp", (now + AssertionLifetime).ToUnixTimeSeconds()),
            ]);
    }

    public override string ToString() => $"certificate {Subject} (x5t#S256 {Sha256Thumbprint})";

    /// <summary>The key as PKCS#8, from either PEM form; anything but RSA is refused.</summary>
    private static byte[] RsaKey(string label, byte[] der)
    {
        try
        {
            using var rsa = RSA.Create();
            if (label == "RSA PRIVATE KEY")
            {
                rsa.ImportRSAPrivateKey(der, out _);
            }
            else
            {
                rsa.ImportPkcs8PrivateKey(der, out _);
            }

            return rsa.ExportPkcs8PrivateKey();
        }
        catch (CryptographicException)
        {
            // The runtime's message is not quoted: nothing of the key may reach an error.
            throw new FormatException($"its {label} block is not an RSA private key (Entra ID certificate credentials need RSA)");
        }
    }

    private static X509Certificate2 Load(byte[] der)
    {
        try
        {
            return X509CertificateLoader.LoadCertificate(der);
        }
        catch (CryptographicException)
        {
            throw new FormatException("one of its CERTIFICATE blocks is not an X.509 certificate");
        }
    }
}

/// <summary>
/// A service principal proving itself with a certificate: each token request carries a fresh assertion signed with the
/// certificate's key. The identity includes the key's fingerprint: anyone can name a certificate, only the key proves it.
/// </summary>
internal sealed record ClientCertificateCredential(string ClientId, AzureClientCertificate Certificate) : AzureCredentialSpec("service principal certificate")
{
    public override string Identity => $"spcert:{ClientId}:{Certificate.Sha256Thumbprint}:{Certificate.KeyFingerprint}";

    public override string ToString() => $"service principal (client {ClientId}, {Certificate})";
}
