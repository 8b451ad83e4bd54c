namespace CsiDriver.Providers.Aws;

/// <summary>
/// The JMESPath subset the AWS provider's documentation uses: identifiers (<c>username</c>),
/// quoted identifiers (<c>"db-host"</c>), sub-expressions (<c>a.b</c>) and index expressions
/// (<c>a[0]</c>, <c>a[-1]</c>, <c>[0]</c>). Anything else is refused when the class is parsed, not at fetch time.
/// </summary>
internal sealed class JmesPath(IReadOnlyList<JmesPath.Step> steps)
{
    /// <summary>The parse error reported for valid JMESPath outside the supported subset.</summary>
    public const string Unsupported = "unsupported";

    /// <summary>Parses an expression; null (with <paramref name="error"/>) when invalid or unsupported.</summary>
    public static JmesPath? TryParse(string expression, out string error)
    {
        var steps = new List<Step>();
        error = Parse(expression.Trim(), steps) ?? string.Empty;
        return error.Length == 0 ? new JmesPath(steps) : null;
    }

    /// <summary>Reads <paramref name="text"/> into <paramref name="steps"/>; the error, or null when it parsed.</summary>
    private static string? Parse(string text, List<Step> steps)
    {
        var i = 0;
        var expectField = true;
        while (i < text.Length)
        {
            var c = text[i];
            if (char.IsWhiteSpace(c))
            {
                i++;
                continue;
            }

            if (c == '[' && expectField && steps.Count > 0)
            {
                return Unsupported; // a multi-select list (a.[b, c])
            }

            if (c == '[')
            {
                var close = text.IndexOf(']', i);
                if (close < 0)
                {
                    return "syntax";
                }

                var inner = text[(i + 1)..close].Trim();
                if (!int.TryParse(inner, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var index))
                {
                    return inner.Length == 0 || inner is "*" || inner.StartsWith('?') || inner.Contains(':', StringComparison.Ordinal) ? Unsupported : "syntax";
                }

                steps.Add(new Step(null, index));
                i = close + 1;
                expectField = false;
            }
            else if (c == '.')
            {
                if (expectField || i + 1 >= text.Length)
                {
                    return "syntax";
                }

                i++;
                expectField = true;
            }
            else if (expectField && c == '"')
            {
                var (name, next) = QuotedIdentifier(text, i);
                if (name is null)
                {
                    return "syntax";
                }

                steps.Add(new Step(name, null));
                i = next;
                expectField = false;
            }
            else if (expectField && (char.IsAsciiLetter(c) || c == '_'))
            {
                var start = i;
                while (i < text.Length && (char.IsAsciiLetterOrDigit(text[i]) || text[i] == '_'))
                {
                    i++;
                }

                steps.Add(new Step(text[start..i], null));
                expectField = false;
            }
            else
            {
                // Pipes, functions, filters, projections, literals: valid JMESPath we do not evaluate.
                return c is '|' or '&' or '(' or '*' or '@' or '`' or '\'' or '{' or '!' or '=' or '<' or '>' ? Unsupported : "syntax";
            }
        }

        return steps.Count == 0 || expectField ? "syntax" : null;
    }

    /// <summary>Evaluates against a parsed JSON document; null where JMESPath yields null.</summary>
    public JsonElement? Evaluate(JsonElement root)
    {
        var current = root;
        foreach (var step in steps)
        {
            if (step.Field is { } field)
            {
                if (current.ValueKind != JsonValueKind.Object || Last(current, field) is not { } value)
                {
                    return null;
                }

                current = value;
            }
            else
            {
                if (current.ValueKind != JsonValueKind.Array)
                {
                    return null;
                }

                var length = current.GetArrayLength();
                var index = step.Index!.Value < 0 ? length + step.Index.Value : step.Index.Value;
                if (index < 0 || index >= length)
                {
                    return null;
                }

                current = current[index];
            }
        }

        return current.ValueKind == JsonValueKind.Null ? null : current;
    }

    // Go's json.Unmarshal into a map keeps the last duplicate key; so does this.
    private static JsonElement? Last(JsonElement obj, string name) =>
        obj.EnumerateObject().Where(p => p.NameEquals(name)).Select(p => (JsonElement?)p.Value).LastOrDefault();

    /// <summary>The identifier quoted from <paramref name="start"/> (a JSON string, escapes and all) and the index after it; null when it is not one.</summary>
    private static (string? Name, int Next) QuotedIdentifier(string text, int start)
    {
        for (var i = start + 1; i < text.Length; i++)
        {
            if (text[i] == '\\')
            {
                // The escaped character cannot close the identifier.
                i++;
            }
            else if (text[i] == '"')
            {
                try
                {
                    return ((string?)JsonNode.Parse(text[start..(i + 1)]), i + 1);
                }
                catch (JsonException)
                {
                    return (null, 0);
                }
            }
        }

        return (null, 0);
    }

    internal sealed record Step(string? Field, int? Index);
}
