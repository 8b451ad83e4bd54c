using System.Text.RegularExpressions;
using CsiDriver.Tests.Kubernetes;

namespace CsiDriver.Tests.Deploy;

/// <summary>CI proves the image builds by running the Dockerfile's publish step; this keeps the two identical.</summary>
public sealed partial class DockerfilePublishTests
{
    private static readonly string RepoRoot = Path.GetDirectoryName(DeployManifests.Root)!;

    [Fact]
    public void CiPublishStep_UsesTheDockerfilesArguments()
    {
        var docker = PublishArguments(File.ReadAllText(Path.Combine(RepoRoot, "Dockerfile")));
        var ci = PublishArguments(File.ReadAllText(Path.Combine(RepoRoot, ".ci", "run")));

        docker.Should().Contain(["src/CsiDriver/CsiDriver.csproj", "-c", "Release"]);
        Significant(ci).Should().Equal(Significant(docker));
    }

    [Fact]
    public void Dockerfile_RunsTheExecutableThePublishProduces_AsRootWithoutAShell()
    {
        var text = File.ReadAllText(Path.Combine(RepoRoot, "Dockerfile"));

        text.Should().Contain("ENTRYPOINT [\"/app/csi-secrets-store\"]");
        text.Should().MatchRegex(@"FROM mcr\.microsoft\.com/dotnet/runtime-deps:10\.0-[a-z]+-chiseled");
        text.Should().Contain("USER 0");
    }

    [Fact]
    public void DriverProject_PublishesNativeAndGlobalizationInvariant()
    {
        // The runtime-deps image has no .NET runtime and no ICU: the executable must carry both needs itself.
        var project = File.ReadAllText(Path.Combine(RepoRoot, "src", "CsiDriver", "CsiDriver.csproj"));

        project.Should().Contain("<PublishAot>true</PublishAot>").And.Contain("<InvariantGlobalization>true</InvariantGlobalization>");
    }

    /// <summary>The words of the (possibly continued) `dotnet publish` command line.</summary>
    private static List<string> PublishArguments(string script)
    {
        var joined = script.Replace("\\\n", " ", StringComparison.Ordinal);
        var line = joined.Split('\n').Single(l => l.Contains("dotnet publish", StringComparison.Ordinal));
        return Words().Matches(line[line.IndexOf("dotnet publish", StringComparison.Ordinal)..]).Select(m => m.Value.Trim('"')).ToList();
    }

    /// <summary>Everything but the output folder, the architecture value and console-only switches.</summary>
    private static List<string> Significant(List<string> args)
    {
        var kept = new List<string>();
        for (var i = 0; i < args.Count; i++)
        {
            if (args[i] is "-o" or "-a")
            {
                kept.Add(args[i]);
                i++;
                continue;
            }

            if (args[i] is ";" or "then" || args[i].StartsWith("-nologo", StringComparison.Ordinal) || args[i].StartsWith("-clp:", StringComparison.Ordinal))
            {
                break;
            }

            kept.Add(args[i]);
        }

        return kept;
    }

    [GeneratedRegex("\"[^\"]*\"|[^\\s]+")]
    private static partial Regex Words();
}
