namespace CsiDriver.Templating.Functions;

/// <summary>
/// Evaluated arguments of one call, with Go-like type checks whose errors name the function,
/// the argument position and types, never the values.
/// </summary>
internal sealed class FunctionArguments(string function, object?[] values, TemplateLimits limits)
{
    public int Count => values.Length;

    public object? this[int index] => values[index];

    public IReadOnlyList<object?> All => values;

    public string Text(int index) => TemplateValues.TryGetText(values[index], out var text) ? text : throw WrongType(index, "string");

    public long Integer(int index) => values[index] switch
    {
        long l => l,
        double d when Math.Abs(d) < 9e15 && Math.Floor(d) == d => (long)d,
        _ => throw WrongType(index, "int"),
    };

    public bool Boolean(int index) => values[index] is bool b ? b : throw WrongType(index, "bool");

    public IReadOnlyDictionary<string, object?> Map(int index) =>
        values[index] as IReadOnlyDictionary<string, object?> ?? throw WrongType(index, "map");

    /// <summary>Rejects a result before it is built when it would exceed the output limit.</summary>
    public void EnsureSize(long length)
    {
        if (length > limits.MaxOutputBytes)
        {
            throw new TemplateFunctionException(
                $"{function}: result would be larger than the {limits.MaxOutputBytes}-byte output limit", TemplateErrorKind.Limit);
        }
    }

    public TemplateFunctionException Failure(string cause) => new($"{function}: {cause}");

    private TemplateFunctionException WrongType(int index, string expected) =>
        new($"wrong type for argument {index + 1} of {function}: expected {expected}, got {TemplateValues.TypeName(values[index])}");
}
