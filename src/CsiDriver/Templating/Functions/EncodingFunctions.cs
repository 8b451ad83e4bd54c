namespace CsiDriver.Templating.Functions;

/// <summary>Sprig's encoding and hashing functions: base64, JSON, SHA digests.</summary>
internal static class EncodingFunctions
{
    public static IEnumerable<TemplateFunction> All() =>
    [
        TemplateFunction.Fixed("b64enc", 1, a => Base64Encode(a)),
        TemplateFunction.Fixed("b64dec", 1, Base64Decode),
        TemplateFunction.Fixed("toJson", 1, a => GoJson.Serialize(a[0], escapeHtml: true, indent: null)),
        TemplateFunction.Fixed("toRawJson", 1, a => GoJson.Serialize(a[0], escapeHtml: false, indent: null)),
        TemplateFunction.Fixed("toPrettyJson", 1, a => GoJson.Serialize(a[0], escapeHtml: true, indent: "  ")),
        TemplateFunction.Fixed("fromJson", 1, a => GoJson.Deserialize(a.Text(0))),
        TemplateFunction.Fixed("mustFromJson", 1, a => GoJson.Deserialize(a.Text(0))),
#pragma warning disable CA5350 // Sprig compatibility: a checksum function, not a security decision.
        TemplateFunction.Fixed("sha1sum", 1, a => Convert.ToHexStringLower(SHA1.HashData(StringBytes(a, 0)))),
#pragma warning restore CA5350
        TemplateFunction.Fixed("sha256sum", 1, a => Convert.ToHexStringLower(SHA256.HashData(StringBytes(a, 0)))),
        TemplateFunction.Fixed("sha512sum", 1, a => Convert.ToHexStringLower(SHA512.HashData(StringBytes(a, 0)))),
    ];

    /// <summary>The raw bytes of a string argument: binary values keep their bytes, text is UTF-8.</summary>
    public static byte[] StringBytes(FunctionArguments args, int index) =>
        args[index] is TemplateBytes bytes ? bytes.Bytes : Encoding.UTF8.GetBytes(args.Text(index));

    private static string Base64Encode(FunctionArguments args)
    {
        var bytes = StringBytes(args, 0);
        args.EnsureSize(((bytes.Length + 2L) / 3) * 4);
        return Convert.ToBase64String(bytes);
    }

    private static object Base64Decode(FunctionArguments args) =>
        TemplateBytes.FromBytes(TryDecodeBase64(args.Text(0)) ?? throw args.Failure("input is not valid base64"));

    /// <summary>Go's base64 decoding, which skips CR and LF; null when anything else is outside the alphabet or the padding is bad.</summary>
    public static byte[]? TryDecodeBase64(string text)
    {
        // .NET skips spaces and tabs too, which Go rejects.
        var buffer = new byte[(text.Length * 3 / 4) + 3];
        return !text.AsSpan().ContainsAny(' ', '\t') && Convert.TryFromBase64String(text, buffer, out var written) ? buffer[..written] : null;
    }
}
