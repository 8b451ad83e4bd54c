namespace CsiDriver.ExternalSecrets.Stores;

/// <summary>
/// The subset of gjson path syntax the External Secrets Operator's users write in <c>remoteRef.property</c>:
/// dot-separated keys (<c>a.b.c</c>), <c>\.</c> to escape a dot (and <c>\</c> any character), <c>*</c> and <c>?</c>
/// wildcards in a key (the first matching key wins), array indexes (<c>items.0</c>), <c>#</c> for an array's length,
/// and <c>items.#.name</c> to collect a field from every element. A value found is returned as gjson's
/// <c>Result.String()</c> does: a string unquoted, anything else as its JSON text.
/// </summary>
internal static class GjsonPath
{
    /// <summary>The value at <paramref name="path"/>, or false when nothing is there.</summary>
    public static bool TryGet(JsonElement root, string path, out JsonElement value)
    {
        var parts = Split(path);
        if (parts.Count == 0)
        {
            value = default;
            return false;
        }

        return TryWalk(root, parts, 0, out value);
    }

    /// <summary>A found value's bytes: a string's UTF-8 text, anything else its compact JSON.</summary>
    public static byte[] ToBytes(JsonElement value) =>
        value.ValueKind == JsonValueKind.String
            ? Encoding.UTF8.GetBytes(value.GetString() ?? string.Empty)
            : Encoding.UTF8.GetBytes(Compact(value));

    private static string Compact(JsonElement value)
    {
        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer, new JsonWriterOptions { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
        {
            value.WriteTo(writer);
        }

        return Encoding.UTF8.GetString(buffer.ToArray());
    }

    private static bool TryWalk(JsonElement current, List<Part> parts, int index, out JsonElement value)
    {
        if (index == parts.Count)
        {
            value = current;
            return true;
        }

        var part = parts[index];
        value = default;
        switch (current.ValueKind)
        {
            case JsonValueKind.Object:
                foreach (var property in current.EnumerateObject())
                {
                    if (part.Matches(property.Name))
                    {
                        return TryWalk(property.Value, parts, index + 1, out value);
                    }
                }

                return false;

            case JsonValueKind.Array when part.Text == "#" && !part.Escaped:
                if (index == parts.Count - 1)
                {
                    value = Parse(current.GetArrayLength().ToString(System.Globalization.CultureInfo.InvariantCulture));
                    return true;
                }

                var collected = new List<string>();
                foreach (var item in current.EnumerateArray())
                {
                    if (TryWalk(item, parts, index + 1, out var found))
                    {
                        collected.Add(Compact(found));
                    }
                }

                value = Parse("[" + string.Join(",", collected) + "]");
                return true;

            case JsonValueKind.Array when int.TryParse(part.Text, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var position):
                return position < current.GetArrayLength() && TryWalk(current[position], parts, index + 1, out value);

            default:
                return false;
        }
    }

    private static JsonElement Parse(string json)
    {
        using var document = JsonDocument.Parse(json);
        return document.RootElement.Clone();
    }

    private static List<Part> Split(string path)
    {
        var parts = new List<Part>();
        var text = new StringBuilder();
        var pattern = new StringBuilder();
        var escaped = false;
        var wildcard = false;
        for (var i = 0; i < path.Length; i++)
        {
            var c = path[i];
            if (c == '\\' && i + 1 < path.Length)
            {
                i++;
                text.Append(path[i]);
                pattern.Append('\\').Append(path[i]);
                escaped = true;
            }
            else if (c == '.')
            {
                parts.Add(new Part(text.ToString(), wildcard ? pattern.ToString() : null, escaped));
                text.Clear();
                pattern.Clear();
                escaped = wildcard = false;
            }
            else
            {
                wildcard |= c is '*' or '?';
                text.Append(c);
                pattern.Append(c);
            }
        }

        parts.Add(new Part(text.ToString(), wildcard ? pattern.ToString() : null, escaped));
        return parts;
    }

    /// <summary>One path component: literal text, or a wildcard pattern (with its escapes) when it has <c>*</c> or <c>?</c>.</summary>
    private sealed record Part(string Text, string? Pattern, bool Escaped)
    {
        public bool Matches(string name) => Pattern is null ? name == Text : Match(Pattern, 0, name, 0);

        private static bool Match(string pattern, int p, string name, int n)
        {
            while (p < pattern.Length)
            {
                var c = pattern[p];
                if (c == '*')
                {
                    for (var skip = n; skip <= name.Length; skip++)
                    {
                        if (Match(pattern, p + 1, name, skip))
                        {
                            return true;
                        }
                    }

                    return false;
                }

                if (n >= name.Length)
                {
                    return false;
                }

                if (c == '\\' && p + 1 < pattern.Length)
                {
                    p++;
                    c = pattern[p];
                    if (name[n] != c)
                    {
                        return false;
                    }
                }
                else if (c != '?' && name[n] != c)
                {
                    return false;
                }

                p++;
                n++;
            }

            return n == name.Length;
        }
    }
}
