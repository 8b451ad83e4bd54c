namespace CsiDriver.Templating.Functions;

/// <summary>Go text/template's builtin functions (minus call, js and slice).</summary>
internal static class BuiltinFunctions
{
    public static IEnumerable<TemplateFunction> All() =>
    [
        // Evaluated lazily by the executor; registered so the parser knows them.
        TemplateFunction.Variadic("and", 1, a => a.All[^1]),
        TemplateFunction.Variadic("or", 1, a => a.All[^1]),
        TemplateFunction.Fixed("not", 1, a => !TemplateValues.IsTrue(a[0])),
        TemplateFunction.Variadic("eq", 2, a => Enumerable.Range(1, a.Count - 1).Any(i => TemplateValues.AreEqual(a[0], a[i]))),
        TemplateFunction.Fixed("ne", 2, a => !TemplateValues.AreEqual(a[0], a[1])),
        TemplateFunction.Fixed("lt", 2, a => TemplateValues.Compare(a[0], a[1]) < 0),
        TemplateFunction.Fixed("le", 2, a => TemplateValues.Compare(a[0], a[1]) <= 0),
        TemplateFunction.Fixed("gt", 2, a => TemplateValues.Compare(a[0], a[1]) > 0),
        TemplateFunction.Fixed("ge", 2, a => TemplateValues.Compare(a[0], a[1]) >= 0),
        TemplateFunction.Variadic("index", 1, Index),
        TemplateFunction.Fixed("len", 1, Length),
        TemplateFunction.Variadic("print", 0, a => GoText.Sprint(a.All)),
        TemplateFunction.Variadic("println", 0, a => GoText.Sprintln(a.All)),
        TemplateFunction.Variadic("printf", 1, GoPrintf.Format),
        TemplateFunction.Variadic("urlquery", 0, a => GoText.QueryEscape(GoText.EvalArgs(a.All))),
        TemplateFunction.Variadic("html", 0, a => GoText.HtmlEscape(GoText.EvalArgs(a.All))),
    ];

    /// <summary>Go's index: map keys (missing gives the zero value), list positions (out of range is an error).</summary>
    private static object? Index(FunctionArguments args)
    {
        var item = args[0];
        for (var i = 1; i < args.Count; i++)
        {
            item = item switch
            {
                SecretDataMap data => data.TryGetValue(args.Text(i), out var value) ? value : "",
                IReadOnlyDictionary<string, object?> map => map.TryGetValue(args.Text(i), out var value) ? value : null,
                IReadOnlyList<object?> list => ListItem(list, args.Integer(i), args),
                null => throw args.Failure("index of untyped nil"),
                _ => throw args.Failure($"can't index item of type {TemplateValues.TypeName(item)}"),
            };
        }

        return item;
    }

    private static object? ListItem(IReadOnlyList<object?> list, long position, FunctionArguments args) =>
        position >= 0 && position < list.Count
            ? list[(int)position]
            : throw args.Failure($"index out of range for a list of length {list.Count}");

    private static object Length(FunctionArguments args) => args[0] switch
    {
        string s => (long)Encoding.UTF8.GetByteCount(s),
        TemplateBytes b => (long)b.Bytes.Length,
        IReadOnlyDictionary<string, object?> m => (long)m.Count,
        IReadOnlyList<object?> l => (long)l.Count,
        null => throw args.Failure("len of nil"),
        var other => throw args.Failure($"len of type {TemplateValues.TypeName(other)}"),
    };
}
