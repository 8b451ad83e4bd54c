namespace CsiDriver.Templating;

/// <summary>
/// A string value that is not valid UTF-8 (e.g. a binary PKCS#12 or b64dec output). Go strings hold
/// arbitrary bytes; this keeps them intact so printing writes the original bytes.
/// </summary>
internal sealed class TemplateBytes(byte[] bytes)
{
    public byte[] Bytes { get; } = bytes;

    /// <summary>The bytes as text for string functions; invalid sequences become U+FFFD as in Go.</summary>
    public string ToText() => Encoding.UTF8.GetString(Bytes);

    /// <summary>Valid UTF-8 becomes a string, anything else stays bytes.</summary>
    public static object FromBytes(ReadOnlySpan<byte> bytes) =>
        System.Text.Unicode.Utf8.IsValid(bytes) ? Encoding.UTF8.GetString(bytes) : new TemplateBytes(bytes.ToArray());
}
