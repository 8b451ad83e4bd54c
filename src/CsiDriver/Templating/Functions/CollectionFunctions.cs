namespace CsiDriver.Templating.Functions;

/// <summary>Sprig's defaults, lists and dicts, plus Helm's <c>required</c> and Sprig's <c>fail</c>.</summary>
internal static class CollectionFunctions
{
    private const int MaxMessageLength = 200;

    public static IEnumerable<TemplateFunction> All() =>
    [
        TemplateFunction.Variadic("default", 1, a => a.Count < 2 || !TemplateValues.IsTrue(a[1]) ? a[0] : a[1]),
        TemplateFunction.Fixed("empty", 1, a => !TemplateValues.IsTrue(a[0])),
        TemplateFunction.Variadic("coalesce", 0, a => a.All.FirstOrDefault(TemplateValues.IsTrue)),
        TemplateFunction.Fixed("ternary", 3, a => a.Boolean(2) ? a[0] : a[1]),
        TemplateFunction.Fixed("required", 2, Required),
        TemplateFunction.Fixed("fail", 1, a => throw a.Failure(Message(a.Text(0)))),
        TemplateFunction.Variadic("list", 0, a => a.All.ToList()),
        TemplateFunction.Variadic("dict", 0, Dict),
        TemplateFunction.Fixed("get", 2, a => a.Map(0).TryGetValue(a.Text(1), out var value) ? value : ""),
        TemplateFunction.Fixed("hasKey", 2, a => a.Map(0).ContainsKey(a.Text(1))),
        TemplateFunction.Variadic("keys", 1, a => SortedStrings(Enumerable.Range(0, a.Count).SelectMany(i => a.Map(i).Keys))),
        TemplateFunction.Fixed("first", 1, a => List(a, 0) is { Count: > 0 } list ? list[0] : null),
        TemplateFunction.Fixed("last", 1, a => List(a, 0) is { Count: > 0 } list ? list[^1] : null),
        TemplateFunction.Fixed("sortAlpha", 1, a => SortedStrings((a[0] as IReadOnlyList<object?> ?? [a[0]]).Select(TemplateValues.FormatOperand))),
    ];

    /// <summary>Helm's required: nil or an empty string fails with the template author's message.</summary>
    private static object? Required(FunctionArguments args) =>
        args[1] is null || (TemplateValues.TryGetText(args[1], out var text) && text.Length == 0) ? throw args.Failure(Message(args.Text(0))) : args[1];

    private static string Message(string message) =>
        message.Length <= MaxMessageLength ? message : message[..MaxMessageLength] + "...";

    private static object Dict(FunctionArguments args)
    {
        var map = new Dictionary<string, object?>(StringComparer.Ordinal);
        for (var i = 0; i < args.Count; i += 2)
        {
            map[TemplateValues.FormatOperand(args[i])] = i + 1 < args.Count ? args[i + 1] : "";
        }

        return map;
    }

    private static List<object?> SortedStrings(IEnumerable<string> items) => [.. items.Order(StringComparer.Ordinal)];

    private static IReadOnlyList<object?>? List(FunctionArguments args, int index) => args[index] switch
    {
        IReadOnlyList<object?> list => list,
        null => null,
        var other => throw args.Failure($"expected a list, got {TemplateValues.TypeName(other)}"),
    };
}
