using CsiDriver.Hosting;

namespace CsiDriver.Tests.Hosting;

public sealed class ConfigurationReferenceTests
{
    [Fact]
    public void ConfigurationReference_DocsMatchFlagTable()
    {
        var path = Path.Combine(RepoRoot(), "docs", "configuration.md");
        var generated = DriverFlags.Markdown();
        if (Environment.GetEnvironmentVariable("UPDATE_DOCS") == "1")
        {
            File.WriteAllText(path, generated);
        }

        File.ReadAllText(path).Should().Be(generated, "docs/configuration.md is generated: run UPDATE_DOCS=1 ./test.sh --filter ConfigurationReference");
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
