using CsiDriver.ExternalSecrets.Api;
using CsiDriver.Templating.Functions;

namespace CsiDriver.ExternalSecrets.Reconcile.PushSecrets;

/// <summary>
/// What a PushSecret pushes: the source Secret's data after <c>spec.template</c> (rendered in memory with the
/// ExternalSecret renderer, engine v2), and per entry the value for <c>match.secretKey</c>, or the whole Secret as a
/// JSON object of strings when the key is empty. <c>conversionStrategy: ReverseUnicode</c> turns <c>_UXXXX_</c> in the
/// Secret's keys back into the character before matching (the inverse of the ExternalSecret <c>Unicode</c> strategy).
/// </summary>
internal sealed partial class PushSecretSource(SecretRenderer renderer)
{
    /// <summary>The data to push from <paramref name="secret"/>: as is, or rendered through the PushSecret's template.</summary>
    public async Task<IReadOnlyDictionary<string, byte[]>> DataAsync(PushSecret ps, ManagedSecret secret, CancellationToken cancellationToken)
    {
        var data = secret.Data ?? [];
        if (ps.Spec.Template is null)
        {
            return data;
        }

        // The renderer reads templateFrom ConfigMaps and Secrets in the owner's namespace, as it does for an ExternalSecret.
        var owner = new ExternalSecret
        {
            Metadata = ps.Metadata,
            Spec = new ExternalSecretSpec { Target = new ExternalSecretTarget { Template = ps.Spec.Template } },
        };
        var rendered = await renderer.RenderAsync(owner, data, new Dictionary<string, byte[]>(StringComparer.Ordinal), cancellationToken).ConfigureAwait(false);
        return rendered.Data;
    }

    /// <summary>The value one <c>data[]</c> entry pushes.</summary>
    /// <exception cref="SyncException">The entry names a key the Secret does not have, or an unknown conversion strategy.</exception>
    public static byte[] ValueFor(PushSecretData entry, IReadOnlyDictionary<string, byte[]> data)
    {
        var keyed = entry.ConversionStrategy switch
        {
            null or "" or "None" => data,
            "ReverseUnicode" => data.ToDictionary(p => ReverseUnicode(p.Key), p => p.Value, StringComparer.Ordinal),
            var other => throw new SyncException($"conversionStrategy \"{other}\" is not supported (None or ReverseUnicode)") { Retry = false },
        };
        if (string.IsNullOrEmpty(entry.Match.SecretKey))
        {
            var map = keyed.OrderBy(p => p.Key, StringComparer.Ordinal).ToDictionary(p => p.Key, p => (object?)Encoding.UTF8.GetString(p.Value), StringComparer.Ordinal);
            return Encoding.UTF8.GetBytes(GoJson.Serialize(map, escapeHtml: false, indent: null));
        }

        return keyed.TryGetValue(entry.Match.SecretKey, out var value)
            ? value
            : throw new SyncException($"secret key {entry.Match.SecretKey} does not exist");
    }

    /// <summary><c>_U0040_</c> → <c>@</c>: 4 or 5 hex digits between <c>_U</c> and <c>_</c> become that code point.</summary>
    public static string ReverseUnicode(string key) =>
        UnicodeEscape().Replace(key, m =>
        {
            var code = int.Parse(m.Groups[1].Value, NumberStyles.HexNumber, CultureInfo.InvariantCulture);
            return code is >= 0xD800 and <= 0xDFFF or > 0x10FFFF ? m.Value : char.ConvertFromUtf32(code);
        });

    [GeneratedRegex("_U([0-9a-fA-F]{4,5})_", RegexOptions.CultureInvariant)]
    private static partial Regex UnicodeEscape();
}
