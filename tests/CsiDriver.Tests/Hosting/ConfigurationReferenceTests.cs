using System.Globalization;
using System.Text;
using CsiDriver.Hosting;

namespace CsiDriver.Tests.Hosting;

public sealed class ConfigurationReferenceTests
{
    [Fact]
    public void ConfigurationReference_DocsMatchFlagTable()
    {
        var path = Path.Combine(RepoRoot(), "docs", "configuration.md");
        var generated = Markdown();
        if (Environment.GetEnvironmentVariable("UPDATE_DOCS") == "1")
        {
            File.WriteAllText(path, generated);
        }

        File.ReadAllText(path).Should().Be(generated, "docs/configuration.md is generated: run UPDATE_DOCS=1 ./test.sh --filter ConfigurationReference");
    }

    /// <summary>The configuration reference in docs/configuration.md, generated from the driver's flag table.</summary>
    private static string Markdown()
    {
        var defaults = new DriverOptions();
        var builder = new StringBuilder("""
            # Configuration reference

            Generated from the flag table in `src/CsiDriver/Hosting/DriverFlags.cs`; a test keeps this file in step
            (regenerate with `UPDATE_DOCS=1 ./test.sh --filter ConfigurationReference`). Flags take Go's forms:
            `--name=value`, `--name value`, one or two dashes, and bare booleans.

            | Flag | Default | Meaning |
            |---|---|---|

            """);
        foreach (var flag in DriverFlags.All)
        {
            var value = flag.Name is "nodeid" ? "$NODE_NAME, else the host name" : flag.Default(defaults);
            builder.Append(CultureInfo.InvariantCulture, $"| `--{flag.Name}` | {(value.Length == 0 ? "(unset)" : "`" + value + "`")} | {flag.Help} |\n");
        }

        return builder.ToString();
    }

    internal static string RepoRoot()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "CsiDriver.sln")))
        {
            dir = dir.Parent;
        }

        return dir?.FullName ?? throw new InvalidOperationException("repository root not found");
    }
}
