using System.Security.Cryptography.X509Certificates;

namespace CsiDriver.Sync;

/// <summary>
/// Upstream's conversion for <c>kubernetes.io/tls</c> Secrets: an object (PEM bundle, or PKCS#12 with an
/// empty password) mapped to <c>tls.crt</c> yields all its CERTIFICATE blocks; mapped to <c>tls.key</c>,
/// its private key re-encoded as <c>RSA PRIVATE KEY</c> (PKCS#1) or <c>EC PRIVATE KEY</c> (SEC1).
/// So one certificate object can feed both keys, as users of Azure Key Vault and others rely on.
/// Failures say what was wrong with the object's format and never include its bytes or a parser's text.
/// </summary>
internal static class TlsParts
{
    public const string CertificateKey = "tls.crt";
    public const string PrivateKeyKey = "tls.key";

    /// <summary>The bytes to store under <paramref name="key"/>; keys other than tls.crt and tls.key pass through.</summary>
    /// <exception cref="FormatException">The object holds no usable certificate or key (the message names neither value nor parser output).</exception>
    public static byte[] Convert(string key, byte[] contents) => key switch
    {
        CertificateKey => Certificates(contents),
        PrivateKeyKey => PrivateKey(contents),
        _ => contents,
    };

    private static byte[] Certificates(byte[] contents)
    {
        var blocks = PemBlocks(contents).ToList();
        var certificates = blocks.Count > 0
            ? blocks.Where(b => b.Label == "CERTIFICATE").Select(b => b.Der).ToList()
            : FromPkcs12(contents, all => all.Select(c => c.RawData).ToList());
        if (certificates.Count == 0)
        {
            throw new FormatException("holds no certificate (expected PEM CERTIFICATE blocks or PKCS#12 with an empty password)");
        }

        return Encoding.ASCII.GetBytes(string.Concat(certificates.Select(der => PemEncoding.WriteString("CERTIFICATE", der) + "\n")));
    }

    private static byte[] PrivateKey(byte[] contents)
    {
        var blocks = PemBlocks(contents).ToList();
        if (blocks.Count == 0)
        {
            try
            {
                return FromPkcs12(contents, all => all
                    .Select(c => (AsymmetricAlgorithm?)c.GetRSAPrivateKey() ?? c.GetECDsaPrivateKey())
                    .OfType<AsymmetricAlgorithm>()
                    .Select(Pem)
                    .FirstOrDefault()) ?? throw new FormatException("holds no private key (expected a PEM private key or PKCS#12 with an empty password)");
            }
            catch (CryptographicException)
            {
                throw new FormatException("holds a PKCS#12 private key that cannot be exported");
            }
        }

        if (blocks.FirstOrDefault(b => b.Label is "RSA PRIVATE KEY" or "EC PRIVATE KEY" or "PRIVATE KEY") is not ({ } label, var der))
        {
            throw new FormatException("holds no PEM private key block (RSA PRIVATE KEY, EC PRIVATE KEY or PRIVATE KEY)");
        }

        try
        {
            return label switch
            {
                "RSA PRIVATE KEY" => Reencode(RSA.Create(), rsa => rsa.ImportRSAPrivateKey(der, out _)),
                "EC PRIVATE KEY" => Reencode(ECDsa.Create(), ec => ec.ImportECPrivateKey(der, out _)),
                _ => FromPkcs8(der),
            };
        }
        catch (CryptographicException)
        {
            throw new FormatException($"has a {label} block that is not a valid key");
        }
    }

    private static byte[] FromPkcs8(byte[] der)
    {
        try
        {
            return Reencode(RSA.Create(), rsa => rsa.ImportPkcs8PrivateKey(der, out _));
        }
        catch (CryptographicException)
        {
            // Not RSA; try EC below.
        }

        return Reencode(ECDsa.Create(), ec => ec.ImportPkcs8PrivateKey(der, out _));
    }

    /// <summary>Imports into <paramref name="key"/> (which it disposes, also when the import fails) and writes it out as <see cref="Pem(AsymmetricAlgorithm)"/>.</summary>
    private static byte[] Reencode<T>(T key, Action<T> import)
        where T : AsymmetricAlgorithm
    {
        using (key)
        {
            import(key);
            return Pem(key);
        }
    }

    /// <summary>The key as upstream writes it, PKCS#1 for RSA, SEC1 for EC; the key is disposed.</summary>
    private static byte[] Pem(AsymmetricAlgorithm key)
    {
        using (key)
        {
            return key is RSA rsa ? Pem("RSA PRIVATE KEY", rsa.ExportRSAPrivateKey()) : Pem("EC PRIVATE KEY", ((ECDsa)key).ExportECPrivateKey());
        }
    }

    private static byte[] Pem(string label, byte[] der)
    {
        var bytes = Encoding.ASCII.GetBytes([.. PemEncoding.Write(label, der), '\n']);
        CryptographicOperations.ZeroMemory(der);
        return bytes;
    }

    private static IEnumerable<(string Label, byte[] Der)> PemBlocks(byte[] contents)
    {
        string text;
        try
        {
            text = new UTF8Encoding(false, throwOnInvalidBytes: true).GetString(contents);
        }
        catch (DecoderFallbackException)
        {
            yield break;
        }

        var rest = text.AsMemory();
        while (PemEncoding.TryFind(rest.Span, out var fields))
        {
            var label = rest.Span[fields.Label].ToString();
            var der = new byte[fields.DecodedDataLength];
            if (System.Convert.TryFromBase64Chars(rest.Span[fields.Base64Data], der, out var written))
            {
                yield return (label, der[..written]);
            }

            rest = rest[fields.Location.End..];
        }
    }

    /// <summary>What <paramref name="read"/> takes from the PKCS#12 (empty or no password) in <paramref name="contents"/>; none when it is not one.</summary>
    private static T FromPkcs12<T>(byte[] contents, Func<X509Certificate2Collection, T> read)
    {
        var certificates = LoadPkcs12(contents, string.Empty) ?? LoadPkcs12(contents, null) ?? [];
        try
        {
            return read(certificates);
        }
        finally
        {
            foreach (var certificate in certificates)
            {
                certificate.Dispose();
            }
        }
    }

    private static X509Certificate2Collection? LoadPkcs12(byte[] contents, string? password)
    {
        try
        {
            return X509CertificateLoader.LoadPkcs12Collection(contents, password, X509KeyStorageFlags.EphemeralKeySet | X509KeyStorageFlags.Exportable);
        }
        catch (CryptographicException)
        {
            return null;
        }
    }
}
