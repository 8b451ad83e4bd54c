namespace CsiDriver.ExternalSecrets.Generators;

/// <summary>
/// The <c>Password</c> generator, as the External Secrets Operator's (go-password underneath): <c>length</c> (24),
/// <c>digits</c> and <c>symbols</c> (each 25% of the length unless set), <c>symbolCharacters</c>, <c>noUpper</c>,
/// <c>allowRepeat</c>, <c>encoding</c> (raw, base64, base64url, base32, hex) and <c>secretKeys</c> (default
/// <c>password</c>). Characters are drawn from the injected CSPRNG and each class is inserted at random positions.
/// </summary>
internal sealed class PasswordGenerator(ISecureRandom random) : IGenerator
{
    public const string GeneratorKind = "Password";
    private const string Lower = "abcdefghijklmnopqrstuvwxyz";
    private const string Upper = "ABCDEFGHIJKLMNOPQRSTUVWXYZ";
    private const string Digits = "0123456789";
    private const string DefaultSymbols = "~!@#$%^&*()_+`-={}|[]\\:\"<>?,./";

    public string Kind => GeneratorKind;

    public Task<IReadOnlyDictionary<string, byte[]>> GenerateAsync(JsonObject spec, GeneratorCall call, CancellationToken cancellationToken)
    {
        var length = Int(spec, "length") is { } l and > 0 ? l : 24;
        var digits = Int(spec, "digits") ?? (int)(length * 0.25f);
        var symbols = Int(spec, "symbols") ?? (int)(length * 0.25f);
        var symbolCharacters = Text(spec, "symbolCharacters") ?? DefaultSymbols;
        var noUpper = Bool(spec, "noUpper");
        var allowRepeat = Bool(spec, "allowRepeat");
        var encoding = Text(spec, "encoding") ?? "raw";
        var keys = spec["secretKeys"] is JsonArray array ? array.Select(k => k is JsonValue v && v.TryGetValue<string>(out var s) ? s : string.Empty).ToList() : ["password"];
        if (keys.Count == 0)
        {
            keys = ["password"];
        }

        if (keys.Any(k => k.Length == 0) || keys.Distinct(StringComparer.Ordinal).Count() != keys.Count)
        {
            throw new GeneratorException("Password: secretKeys must be non-empty and unique");
        }

        var result = new Dictionary<string, byte[]>(StringComparer.Ordinal);
        foreach (var key in keys)
        {
            result[key] = Encode(Generate(length, digits, symbols, symbolCharacters, noUpper, allowRepeat), encoding);
        }

        return Task.FromResult<IReadOnlyDictionary<string, byte[]>>(result);
    }

    private string Generate(int length, int digits, int symbols, string symbolCharacters, bool noUpper, bool allowRepeat)
    {
        var letters = length - digits - symbols;
        var letterSet = noUpper ? Lower : Lower + Upper;
        if (digits < 0 || symbols < 0 || letters < 0)
        {
            throw new GeneratorException("Password: digits and symbols must be non-negative and together at most the length");
        }

        if (!allowRepeat && (digits > Digits.Length || symbols > symbolCharacters.Length || letters > letterSet.Length))
        {
            throw new GeneratorException("Password: more characters requested than the character sets hold without repeats (set allowRepeat)");
        }

        if (symbols > 0 && symbolCharacters.Length == 0)
        {
            throw new GeneratorException("Password: symbols requested but symbolCharacters is empty");
        }

        var password = new StringBuilder(length);
        Add(password, letterSet, letters, allowRepeat);
        Add(password, Digits, digits, allowRepeat);
        Add(password, symbolCharacters, symbols, allowRepeat);
        return password.ToString();
    }

    /// <summary>Adds <paramref name="count"/> characters of <paramref name="set"/>, each at a random position.</summary>
    private void Add(StringBuilder password, string set, int count, bool allowRepeat)
    {
        for (var added = 0; added < count;)
        {
            var c = set[random.Next(set.Length)];
            if (!allowRepeat && password.ToString().Contains(c, StringComparison.Ordinal))
            {
                continue;
            }

            password.Insert(random.Next(password.Length + 1), c);
            added++;
        }
    }

    private static byte[] Encode(string password, string encoding)
    {
        var raw = Encoding.UTF8.GetBytes(password);
        return encoding switch
        {
            "base64" => Encoding.ASCII.GetBytes(Convert.ToBase64String(raw)),
            "base64url" => Encoding.ASCII.GetBytes(Convert.ToBase64String(raw).Replace('+', '-').Replace('/', '_')),
            "base32" => Encoding.ASCII.GetBytes(Base32(raw)),
            "hex" => Encoding.ASCII.GetBytes(Convert.ToHexStringLower(raw)),
            _ => raw,
        };
    }

    /// <summary>RFC 4648 base32 with padding (Go's <c>base32.StdEncoding</c>).</summary>
    private static string Base32(byte[] data)
    {
        const string alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
        var text = new StringBuilder((data.Length + 4) / 5 * 8);
        for (var i = 0; i < data.Length; i += 5)
        {
            var chunk = data.AsSpan(i, Math.Min(5, data.Length - i));
            ulong buffer = 0;
            for (var j = 0; j < 5; j++)
            {
                buffer = (buffer << 8) | (j < chunk.Length ? chunk[j] : 0UL);
            }

            var chars = (chunk.Length * 8 + 4) / 5;
            for (var j = 0; j < 8; j++)
            {
                text.Append(j < chars ? alphabet[(int)((buffer >> (35 - (j * 5))) & 31)] : '=');
            }
        }

        return text.ToString();
    }

    private static int? Int(JsonObject spec, string field) =>
        spec[field] is JsonValue v && v.GetValueKind() == JsonValueKind.Number && v.TryGetValue<int>(out var n) ? n : null;

    private static string? Text(JsonObject spec, string field) => spec[field] is JsonValue v && v.TryGetValue<string>(out var s) ? s : null;

    private static bool Bool(JsonObject spec, string field) => spec[field] is JsonValue v && v.TryGetValue<bool>(out var b) && b;
}
