using System.Collections;
using System.Diagnostics.CodeAnalysis;

namespace CsiDriver.Templating;

/// <summary>
/// The template's root value: object names to their values, decoded from bytes only when the
/// template touches them so unused secrets never become managed strings.
/// </summary>
internal sealed class SecretDataMap(IReadOnlyDictionary<string, ReadOnlyMemory<byte>> raw) : IReadOnlyDictionary<string, object?>
{
    private readonly Dictionary<string, object> _decoded = new(StringComparer.Ordinal);

    public int Count => raw.Count;

    public IEnumerable<string> Keys => raw.Keys;

    public IEnumerable<object?> Values => raw.Keys.Select(k => this[k]);

    public object? this[string key] => TryGetValue(key, out var value) ? value : throw new KeyNotFoundException();

    public bool ContainsKey(string key) => raw.ContainsKey(key);

    public bool TryGetValue(string key, [MaybeNullWhen(false)] out object? value)
    {
        if (!_decoded.TryGetValue(key, out var decoded) && raw.TryGetValue(key, out var bytes))
        {
            decoded = _decoded[key] = TemplateBytes.FromBytes(bytes.Span);
        }

        value = decoded;
        return decoded is not null;
    }

    public IEnumerator<KeyValuePair<string, object?>> GetEnumerator() =>
        raw.Keys.Select(key => new KeyValuePair<string, object?>(key, this[key])).GetEnumerator();

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();
}
