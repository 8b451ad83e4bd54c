namespace CsiDriver.Hosting;

/// <summary>One command-line flag: its name, the help line, how its default reads and what a value sets.</summary>
public sealed record CommandLineFlag<TOptions>(string Name, string Help, Func<TOptions, string> Default, Action<TOptions, string> Set, bool IsBool = false);

/// <summary>
/// The flag syntax every subcommand shares, Go-style: <c>--name=value</c>, <c>--name value</c>, one or two dashes,
/// bare booleans, <c>-h</c> for <c>--help</c>. Each command keeps its own table and checks across flags.
/// </summary>
public static class CommandLineFlags
{
    /// <summary>
    /// Applies <paramref name="args"/> to fresh options; bad input is an <see cref="ArgumentException"/> with a message
    /// for the user. <paramref name="unknownHint"/> follows the unknown flag's name in that message.
    /// </summary>
    public static TOptions Parse<TOptions>(IReadOnlyList<string> args, IReadOnlyList<CommandLineFlag<TOptions>> flags, string unknownHint)
        where TOptions : new()
    {
        var options = new TOptions();
        for (var i = 0; i < args.Count; i++)
        {
            var arg = args[i];
            if (!arg.StartsWith('-') || arg == "-" || arg == "--")
            {
                throw new ArgumentException($"unexpected argument '{arg}'");
            }

            var body = arg.TrimStart('-');
            var eq = body.IndexOf('=', StringComparison.Ordinal);
            var name = eq >= 0 ? body[..eq] : body;
            var flag = flags.FirstOrDefault(f => f.Name == name) ?? (name == "h" ? flags.First(f => f.Name == "help") : null)
                ?? throw new ArgumentException($"unknown flag '--{name}'{unknownHint}");
            var value = eq >= 0 ? body[(eq + 1)..]
                : flag.IsBool ? "true"
                : i + 1 < args.Count ? args[++i]
                : throw new ArgumentException($"flag '--{name}' needs a value");

            try
            {
                flag.Set(options, value);
            }
            catch (Exception ex) when (ex is FormatException or OverflowException or ArgumentException)
            {
                throw new ArgumentException($"invalid value '{value}' for --{name}: {ex.Message}");
            }
        }

        return options;
    }

    /// <summary>The usage text: <paramref name="header"/>, then a line a flag with its default unless <paramref name="hidesDefault"/> says not to.</summary>
    public static string Help<TOptions>(string header, IReadOnlyList<CommandLineFlag<TOptions>> flags, Func<string, bool> hidesDefault)
        where TOptions : new()
    {
        var defaults = new TOptions();
        return header + string.Concat(flags.Select(flag => string.Create(
            CultureInfo.InvariantCulture,
            $"  --{flag.Name,-34} {flag.Help}{(flag.Default(defaults) is { Length: > 0 } value && !hidesDefault(flag.Name) ? $" (default {value})" : string.Empty)}\n")));
    }

    /// <summary>Go's strconv.ParseBool.</summary>
    public static bool ParseBool(string value) => Spec.GoStrconv.ParseBool(value) ?? throw new FormatException("not a boolean");

    /// <summary>A value as flags print it: invariant digits.</summary>
    public static string Str(long value) => value.ToString(CultureInfo.InvariantCulture);

    /// <summary>A boolean as flags print it: Go's <c>true</c>/<c>false</c>.</summary>
    public static string Bool(bool value) => value ? "true" : "false";

    /// <summary>An empty value unsets an optional flag.</summary>
    public static string? Empty(string value) => value.Length == 0 ? null : value;
}
