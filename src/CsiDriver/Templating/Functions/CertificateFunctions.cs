using System.Security.Cryptography.X509Certificates;

namespace CsiDriver.Templating.Functions;

/// <summary>
/// ESO's PEM and PKCS#12 helpers: filterPEM keeps blocks of one type; pkcs12key/pkcs12cert (and the
/// *Pass variants) turn a PKCS#12 archive, binary or base64, into PEM.
/// </summary>
internal static class CertificateFunctions
{
    public static IEnumerable<TemplateFunction> All() =>
    [
        TemplateFunction.Fixed("filterPEM", 2, a => FilterPem(a, a.Text(0), a.Text(1))),
        TemplateFunction.Fixed("pkcs12key", 1, a => ReadArchive(a, Pkcs12Key)),
        TemplateFunction.Fixed("pkcs12keyPass", 2, a => ReadArchive(a, Pkcs12Key)),
        TemplateFunction.Fixed("pkcs12cert", 1, a => ReadArchive(a, Pkcs12Certificates)),
        TemplateFunction.Fixed("pkcs12certPass", 2, a => ReadArchive(a, Pkcs12Certificates)),
    ];

    private static string FilterPem(FunctionArguments args, string type, string input)
    {
        var output = new StringBuilder();
        var rest = input.AsSpan();
        while (PemEncoding.TryFind(rest, out var fields))
        {
            var label = rest[fields.Label];
            if (label.Equals(type, StringComparison.OrdinalIgnoreCase))
            {
                var der = Convert.FromBase64String(rest[fields.Base64Data].ToString());
                output.Append(Encode(label.ToString(), der));
            }

            rest = rest[fields.Location.End.Value..];
        }

        if (output.Length == 0 && !rest.IsWhiteSpace())
        {
            throw args.Failure("found junk that is not a PEM block");
        }

        return output.ToString();
    }

    /// <summary>Go's pem.Encode layout: 64-character lines and a trailing newline.</summary>
    private static string Encode(string label, ReadOnlySpan<byte> der) => new string(PemEncoding.Write(label, der)) + "\n";

    private static string Pkcs12Key(FunctionArguments args, X509Certificate2Collection archive)
    {
        var certificate = archive.FirstOrDefault(c => c.HasPrivateKey)
            ?? throw args.Failure("the PKCS#12 archive holds no private key");
        using AsymmetricAlgorithm key = (AsymmetricAlgorithm?)certificate.GetRSAPrivateKey()
            ?? (AsymmetricAlgorithm?)certificate.GetECDsaPrivateKey()
            ?? certificate.GetDSAPrivateKey()
            ?? throw args.Failure("unsupported private key type");
        var pkcs8 = key.ExportPkcs8PrivateKey();
        try
        {
            return Encode("PRIVATE KEY", pkcs8);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(pkcs8);
        }
    }

    private static string Pkcs12Certificates(FunctionArguments args, X509Certificate2Collection archive) =>
        string.Concat(ChainOrder.Sort(archive).Select(certificate => Encode("CERTIFICATE", certificate.RawData)));

    /// <summary>
    /// Loads the archive (the last argument, binary or base64 text as providers often deliver a PFX; the password, when given,
    /// comes first), reads it, and disposes of what it loaded.
    /// </summary>
    private static string ReadArchive(FunctionArguments args, Func<FunctionArguments, X509Certificate2Collection, string> read)
    {
        var password = args.Count > 1 ? args.Text(0) : "";
        var bytes = EncodingFunctions.StringBytes(args, args.Count - 1);
        X509Certificate2Collection archive;
        try
        {
            archive = X509CertificateLoader.LoadPkcs12Collection(
                EncodingFunctions.TryDecodeBase64(Encoding.ASCII.GetString(bytes)) ?? bytes, password, X509KeyStorageFlags.EphemeralKeySet | X509KeyStorageFlags.Exportable);
        }
        catch (CryptographicException)
        {
            // The exception text is generic, but say it in our words and keep nothing of the input.
            throw args.Failure("cannot decode the PKCS#12 archive (wrong password or corrupt data)");
        }

        try
        {
            return read(args, archive);
        }
        finally
        {
            foreach (var certificate in archive)
            {
                certificate.Dispose();
            }
        }
    }
}
