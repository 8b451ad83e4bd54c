namespace CsiDriver.Templating.Functions;

internal delegate object? TemplateFunc(FunctionArguments args);

/// <summary>A named template function with its arity (<see cref="MaxArgs"/> -1 means variadic).</summary>
internal sealed record TemplateFunction(string Name, int MinArgs, int MaxArgs, TemplateFunc Invoke)
{
    public static TemplateFunction Fixed(string name, int args, TemplateFunc invoke) => new(name, args, args, invoke);

    public static TemplateFunction Variadic(string name, int minArgs, TemplateFunc invoke) => new(name, minArgs, -1, invoke);
}
