using CsiDriver.ExternalSecrets.Api;
using CsiDriver.Templating;

namespace CsiDriver.ExternalSecrets.Reconcile;

/// <summary>
/// The key and value handling of <c>data[]</c> and <c>dataFrom[]</c> (eso.md 2.7, 2.8 and 10 item 9): rewrite, key
/// conversion, key validation, value decoding and the NUL-byte policy. Errors are <see cref="SyncException"/>s whose
/// messages name keys and strategies, never values.
/// </summary>
internal static class KeyStrategies
{
    private const int MaxKeyLength = 253;
    private static readonly TimeSpan RegexTimeout = TimeSpan.FromSeconds(1);

    /// <summary>Applies <c>rewrite[]</c> in order: regexp and transform rename keys, merge combines JSON values (<see cref="MergeRewrite"/>).</summary>
    public static Dictionary<string, byte[]> Rewrite(IReadOnlyDictionary<string, byte[]> data, IReadOnlyList<KeyRewrite> rewrites, TemplateEngine templates)
    {
        var current = new Dictionary<string, byte[]>(data, StringComparer.Ordinal);
        foreach (var rewrite in rewrites)
        {
            if (rewrite.Merge is { } merge && rewrite.Regexp is null && rewrite.Transform is null)
            {
                current = MergeRewrite.Apply(current, merge);
                continue;
            }

            var next = new Dictionary<string, byte[]>(StringComparer.Ordinal);
            foreach (var (key, value) in current)
            {
                next[RewriteKey(key, rewrite, templates)] = value;
            }

            current = next;
        }

        return current;
    }

    private static string RewriteKey(string key, KeyRewrite rewrite, TemplateEngine templates)
    {
        if (rewrite.Regexp is { } regexp)
        {
            Regex pattern;
            try
            {
                pattern = new Regex(regexp.Source ?? string.Empty, RegexOptions.CultureInvariant, RegexTimeout);
            }
            catch (ArgumentException)
            {
                throw new SyncException($"rewrite regexp \"{regexp.Source}\" does not compile");
            }

            return pattern.Replace(key, regexp.Target ?? string.Empty);
        }

        if (rewrite.Transform is { } transform)
        {
            try
            {
                var values = new Dictionary<string, ReadOnlyMemory<byte>>(StringComparer.Ordinal) { ["value"] = Encoding.UTF8.GetBytes(key) };
                return Encoding.UTF8.GetString(templates.Render("rewrite.transform", transform.Template ?? string.Empty, values));
            }
            catch (TemplateException ex)
            {
                throw new SyncException($"rewrite transform failed: {ex.Message}");
            }
        }

        throw new SyncException("a rewrite needs exactly one of regexp, transform or merge") { Retry = false };
    }

    /// <summary>conversionStrategy: <c>Default</c> (or empty) or <c>Unicode</c>; a collision is an error.</summary>
    public static Dictionary<string, byte[]> ConvertKeys(IReadOnlyDictionary<string, byte[]> data, string? strategy)
    {
        var unicode = strategy switch
        {
            null or "" or "Default" => false,
            "Unicode" => true,
            _ => throw new SyncException($"conversion strategy {strategy} is not supported"),
        };
        var result = new Dictionary<string, byte[]>(StringComparer.Ordinal);
        foreach (var (key, value) in data)
        {
            var converted = ConvertKey(key, unicode);
            if (!result.TryAdd(converted, value))
            {
                throw new SyncException("secret name collision during conversion");
            }
        }

        return result;
    }

    private static string ConvertKey(string key, bool unicode)
    {
        var text = new StringBuilder(key.Length);
        foreach (var rune in key.EnumerateRunes())
        {
            if (IsKeyRune(rune))
            {
                text.Append(rune.ToString());
            }
            else if (unicode)
            {
                text.Append("_U").Append(rune.Value.ToString("x4", CultureInfo.InvariantCulture)).Append('_');
            }
            else
            {
                text.Append('_');
            }
        }

        return text.ToString();
    }

    private static bool IsKeyRune(Rune rune) => Rune.IsLetter(rune) || Rune.IsDigit(rune) || rune.Value is '-' or '.' or '_';

    /// <summary>Drops empty keys; rejects keys over 253 characters or with runes other than letters, digits, <c>-._</c>.</summary>
    public static Dictionary<string, byte[]> ValidateKeys(IReadOnlyDictionary<string, byte[]> data)
    {
        var result = new Dictionary<string, byte[]>(StringComparer.Ordinal);
        var invalid = new List<string>();
        foreach (var (key, value) in data)
        {
            if (key.Length == 0)
            {
                continue;
            }

            if (key.Length > MaxKeyLength)
            {
                throw new SyncException($"secret key is longer than {MaxKeyLength} characters");
            }

            if (!key.EnumerateRunes().All(IsKeyRune))
            {
                invalid.Add(key);
                continue;
            }

            result[key] = value;
        }

        if (invalid.Count > 0)
        {
            invalid.Sort(StringComparer.Ordinal);
            throw new SyncException($"invalid secret keys (TIP: use rewrite or conversionStrategy to change them): {string.Join(", ", invalid.Take(10))}");
        }

        return result;
    }

    /// <summary>decodingStrategy: <c>None</c>, <c>Base64</c>, <c>Base64URL</c> (padding required) or <c>Auto</c> (never fails).</summary>
    public static byte[] Decode(byte[] value, string? strategy, string key)
    {
        switch (strategy)
        {
            case null or "" or "None":
                return value;
            case "Base64":
                return TryDecode(value, urlSafe: false) ?? throw new SyncException($"error decoding key {key} with strategy Base64: illegal base64 data");
            case "Base64URL":
                return TryDecode(value, urlSafe: true) ?? throw new SyncException($"error decoding key {key} with strategy Base64URL: illegal base64 data");
            case "Auto":
                return TryDecode(value, urlSafe: false) ?? TryDecode(value, urlSafe: true) ?? value;
            default:
                throw new SyncException($"decoding strategy {strategy} is not supported");
        }
    }

    private static byte[]? TryDecode(byte[] value, bool urlSafe)
    {
        var text = Encoding.ASCII.GetString(value);
        if (text.Length % 4 != 0)
        {
            return null;
        }

        foreach (var c in text)
        {
            var allowed = char.IsAsciiLetterOrDigit(c) || c == '=' || (urlSafe ? c is '-' or '_' : c is '+' or '/');
            if (!allowed)
            {
                return null;
            }
        }

        if (urlSafe)
        {
            text = text.Replace('-', '+').Replace('_', '/');
        }

        try
        {
            return Convert.FromBase64String(text);
        }
        catch (FormatException)
        {
            return null;
        }
    }

    /// <summary>nullBytePolicy: <c>Ignore</c> (or empty) or <c>Fail</c>.</summary>
    public static void CheckNullBytes(byte[] value, string? policy, string key)
    {
        switch (policy)
        {
            case null or "" or "Ignore":
                return;
            case "Fail":
                if (value.AsSpan().IndexOf((byte)0) >= 0)
                {
                    throw new SyncException($"secret key {key} contains a NUL byte (nullBytePolicy=Fail)");
                }

                return;
            default:
                throw new SyncException($"null byte policy {policy} is not supported");
        }
    }
}

/// <summary>A sync failure whose message is safe to show in status, events and logs (no value, no credential).</summary>
internal sealed class SyncException : Exception
{
    public SyncException(string message, Exception? inner = null)
        : base(message, inner)
    {
    }

    /// <summary>The Ready message (eso.md 3.8); the exception message is the event's detail.</summary>
    public string ReadyMessage { get; init; } = "could not get secret data from provider";

    /// <summary>False for failures that a retry cannot fix (the External Secrets Operator does not requeue them).</summary>
    public bool Retry { get; init; } = true;
}
