using System.Security.Cryptography.X509Certificates;

namespace CsiDriver.Providers.Azure;

/// <summary>
/// Turns Key Vault responses into file contents exactly as the upstream provider does:
/// certificate-backed secrets to a PEM key+chain (or PFX passthrough), keys to a PKIX public key
/// PEM, certificates to the leaf PEM, and objectEncoding decoding of plain secrets. Failures throw
/// <see cref="FormatException"/> with a message that never includes the content.
/// </summary>
internal static class KeyVaultContent
{
    public const string PemContentType = "application/x-pem-file";
    public const string Pkcs12ContentType = "application/x-pkcs12";

    /// <summary>The text of a secret (before objectEncoding), converting certificate-backed ones.</summary>
    public static string SecretText(SecretBundle secret, bool pfx, bool constructPemChain)
    {
        var value = secret.Value ?? throw new FormatException("secret value is nil");
        return secret.ContentType switch
        {
            _ when string.IsNullOrEmpty(secret.Kid) => value,
            PemContentType => value,
            Pkcs12ContentType when pfx => value,
            Pkcs12ContentType => Pkcs12ToPem(value, constructPemChain),
            _ => throw new FormatException($"failed to get certificate. unknown content type '{Printable(secret.ContentType)}'"),
        };
    }

    /// <summary>Applies objectEncoding (secrets only): utf-8 as-is, base64 / hex decoded.</summary>
    public static byte[] Decode(string content, string encoding)
    {
        if (encoding.Length == 0 || encoding.Equals("utf-8", StringComparison.OrdinalIgnoreCase))
        {
            return Encoding.UTF8.GetBytes(content);
        }

        try
        {
            return encoding.Equals("base64", StringComparison.OrdinalIgnoreCase)
                ? Convert.FromBase64String(content)
                : Convert.FromHexString(content);
        }
        catch (FormatException)
        {
            throw new FormatException($"objectEncoding {encoding}: the secret value is not valid {encoding}");
        }
    }

    /// <summary>Upstream decodePKCS12: private keys first as PKCS#8, then the certificates.</summary>
    public static string Pkcs12ToPem(string base64Pfx, bool constructPemChain)
    {
        byte[] raw;
        try
        {
            raw = Convert.FromBase64String(base64Pfx);
        }
        catch (FormatException)
        {
            throw new FormatException("the certificate's PKCS#12 value is not valid base64");
        }

        X509Certificate2Collection collection;
        try
        {
            collection = X509CertificateLoader.LoadPkcs12Collection(raw, password: null, X509KeyStorageFlags.Exportable | X509KeyStorageFlags.EphemeralKeySet);
        }
        catch (CryptographicException)
        {
            throw new FormatException("the certificate's PKCS#12 value could not be decoded (Key Vault stores it without a password)");
        }

        try
        {
            // Upstream writes every private key first (PKCS#8), then the certificates.
            var text = new StringBuilder();
            foreach (var certificate in collection.Where(c => c.HasPrivateKey))
            {
                using AsymmetricAlgorithm key = (AsymmetricAlgorithm?)certificate.GetRSAPrivateKey() ?? (AsymmetricAlgorithm?)certificate.GetECDsaPrivateKey() ?? certificate.GetDSAPrivateKey()
                    ?? throw new FormatException("the certificate's private key type is not supported");
                text.Append(key.ExportPkcs8PrivateKeyPem()).Append('\n');
            }

            foreach (var certificate in constructPemChain ? OrderLeafToRoot([.. collection]) : [.. collection])
            {
                text.Append(certificate.ExportCertificatePem()).Append('\n');
            }

            return text.ToString();
        }
        finally
        {
            foreach (var certificate in collection)
            {
                certificate.Dispose();
            }
        }
    }

    /// <summary>A JWK's public key as a PKIX <c>PUBLIC KEY</c> PEM (RSA, EC P-256/384/521).</summary>
    public static string PublicKeyPem(JsonWebKey key)
    {
        if (key.Kty is "RSA" or "RSA-HSM")
        {
            using var rsa = RSA.Create();
            rsa.ImportParameters(new RSAParameters { Modulus = Unsigned(Base64Url(key.N, "n")), Exponent = Unsigned(Base64Url(key.E, "e")) });
            return rsa.ExportSubjectPublicKeyInfoPem() + "\n";
        }

        if (key.Kty is not ("EC" or "EC-HSM"))
        {
            throw new FormatException($"failed to get key. key type '{Printable(key.Kty)}' currently not supported");
        }

        var (curve, size) = key.Crv switch
        {
            "P-256" => (ECCurve.NamedCurves.nistP256, 32),
            "P-384" => (ECCurve.NamedCurves.nistP384, 48),
            "P-521" => (ECCurve.NamedCurves.nistP521, 66),
            _ => throw new FormatException($"curve {Printable(key.Crv)} is not supported"),
        };
        using var ec = ECDsa.Create();
        ec.ImportParameters(new ECParameters { Curve = curve, Q = new ECPoint { X = Fixed(Base64Url(key.X, "x"), size), Y = Fixed(Base64Url(key.Y, "y"), size) } });
        return ec.ExportSubjectPublicKeyInfoPem() + "\n";
    }

    /// <summary>The leaf certificate (<c>cer</c>, base64 DER) as PEM.</summary>
    public static string CertificatePem(CertificateBundle certificate)
    {
        if (string.IsNullOrEmpty(certificate.Cer))
        {
            throw new FormatException("certificate value is nil");
        }

        try
        {
            return Pem("CERTIFICATE", Convert.FromBase64String(certificate.Cer));
        }
        catch (FormatException)
        {
            throw new FormatException("the certificate's cer field is not valid base64");
        }
    }

    /// <summary>Upstream splitCertAndKey: CERTIFICATE blocks to one text, every other block to the other.</summary>
    public static (string Certificates, string Keys) SplitCertAndKey(string pem)
    {
        var certs = new StringBuilder();
        var keys = new StringBuilder();
        foreach (var (label, der) in PemBlocks(pem).Where(block => block.Der is not null))
        {
            (label == "CERTIFICATE" ? certs : keys).Append(Pem(label, der!));
        }

        return (certs.ToString(), keys.ToString());
    }

    /// <summary>The PEM blocks of <paramref name="pem"/> in order: each label with its DER, null when its base64 is broken.</summary>
    public static List<(string Label, byte[]? Der)> PemBlocks(string pem)
    {
        var blocks = new List<(string Label, byte[]? Der)>();
        var rest = pem.AsSpan();
        while (PemEncoding.TryFind(rest, out var fields))
        {
            var der = new byte[fields.DecodedDataLength];
            blocks.Add((rest[fields.Label].ToString(), Convert.TryFromBase64Chars(rest[fields.Base64Data], der, out var written) ? der[..written] : null));
            rest = rest[fields.Location.End..];
        }

        return blocks;
    }

    /// <summary>
    /// Leaf, intermediates, root by AuthorityKeyId -> SubjectKeyId, as upstream fetchCertChains.
    /// When the links do not cover every certificate the original order is kept, so nothing is dropped.
    /// </summary>
    internal static List<X509Certificate2> OrderLeafToRoot(List<X509Certificate2> certificates)
    {
        var n = certificates.Count;
        if (n < 2)
        {
            return certificates;
        }

        var aki = certificates.Select(c => c.Extensions.OfType<X509AuthorityKeyIdentifierExtension>().FirstOrDefault()?.KeyIdentifier?.ToArray()).ToList();
        var ski = certificates.Select(c => c.Extensions.OfType<X509SubjectKeyIdentifierExtension>().FirstOrDefault()?.SubjectKeyIdentifierBytes.ToArray()).ToList();
        // Each certificate's issuer among them (the one whose subject key id is its authority key id), else -1.
        var parent = Enumerable.Range(0, n)
            .Select(i => Enumerable.Range(0, n).FirstOrDefault(j => i != j && aki[i] is { } a && ski[j] is { } s && a.AsSpan().SequenceEqual(s), -1))
            .ToArray();
        var leaf = Enumerable.Range(0, n).FirstOrDefault(i => !parent.Contains(i), -1);
        var chain = new List<X509Certificate2>(n);
        for (var node = leaf; node >= 0 && chain.Count <= n; node = parent[node])
        {
            chain.Add(certificates[node]);
        }

        return chain.Count == n && chain.Distinct().Count() == n ? chain : certificates;
    }

    private static string Pem(string label, ReadOnlySpan<byte> der) => new string(PemEncoding.Write(label, der)) + "\n";

    private static byte[] Base64Url(string? value, string field)
    {
        if (string.IsNullOrEmpty(value))
        {
            throw new FormatException($"key field '{field}' is missing");
        }

        try
        {
            return System.Buffers.Text.Base64Url.DecodeFromChars(value.TrimEnd('='));
        }
        catch (FormatException)
        {
            throw new FormatException($"key field '{field}' is not base64url");
        }
    }

    /// <summary>A big-endian unsigned integer without leading zeros (as Go's big.Int.SetBytes then marshals it).</summary>
    private static byte[] Unsigned(byte[] value)
    {
        var start = value.AsSpan().IndexOfAnyExcept((byte)0);
        return value[(start < 0 ? Math.Max(value.Length - 1, 0) : start)..];
    }

    private static byte[] Fixed(byte[] value, int size)
    {
        var trimmed = Unsigned(value);
        if (trimmed.Length > size)
        {
            throw new FormatException("EC key coordinate is longer than the curve allows");
        }

        var result = new byte[size];
        trimmed.CopyTo(result, size - trimmed.Length);
        return result;
    }

    private static string Printable(string? value) =>
        value is null ? string.Empty : new string(value.Take(64).Where(c => !char.IsControl(c)).ToArray());
}
