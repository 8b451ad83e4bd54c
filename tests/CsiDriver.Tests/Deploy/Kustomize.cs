using System.Diagnostics;
using System.Text;
using CsiDriver.Tests.Kubernetes;
using YamlDotNet.RepresentationModel;

namespace CsiDriver.Tests.Deploy;

/// <summary>
/// Renders deploy/ (plus components) the way an operator would: with the real <c>kubectl kustomize</c> when
/// kubectl is on PATH, else with <see cref="MiniKustomize"/>, the small subset of kustomize deploy/ uses,
/// so a machine without kubectl still checks the manifests (<see cref="UsingKubectl"/> says which ran).
/// </summary>
public static class Kustomize
{
    public static readonly string[] Components = ["sync", "rotation", "metrics"];

    public static bool UsingKubectl { get; } = FindKubectl() is not null;

    /// <summary>The base with the named components, rendered by kubectl if present.</summary>
    public static List<YamlMappingNode> Render(params string[] components) =>
        UsingKubectl ? RenderWithKubectl(components) : MiniKustomize.Render(DeployManifests.Root, components);

    public static List<YamlMappingNode> RenderWithKubectl(params string[] components)
    {
        var overlay = Directory.CreateTempSubdirectory("kustomize-overlay-").FullName;
        try
        {
            // kustomize refuses absolute paths and roots that contain the overlay, so point at deploy/ relatively.
            var relative = Path.GetRelativePath(overlay, DeployManifests.Root);
            var text = new StringBuilder("apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources:\n- ").Append(relative).Append('\n');
            if (components.Length > 0)
            {
                text.Append("components:\n");
                foreach (var component in components)
                {
                    text.Append("- ").Append(relative).Append("/components/").Append(component).Append('\n');
                }
            }

            File.WriteAllText(Path.Combine(overlay, "kustomization.yaml"), text.ToString());
            return Parse(Run(FindKubectl()!, "kustomize", overlay));
        }
        finally
        {
            Directory.Delete(overlay, recursive: true);
        }
    }

    public static List<YamlMappingNode> Parse(string yaml)
    {
        var stream = new YamlStream();
        stream.Load(new StringReader(yaml));
        return stream.Documents.Select(d => d.RootNode).OfType<YamlMappingNode>().ToList();
    }

    public static YamlMappingNode Find(IEnumerable<YamlMappingNode> docs, string kind, string name) =>
        docs.Single(d => DeployManifests.Text(d, "kind") == kind && DeployManifests.Text(d, "metadata", "name") == name);

    private static string? FindKubectl() =>
        (Environment.GetEnvironmentVariable("PATH") ?? string.Empty).Split(':', StringSplitOptions.RemoveEmptyEntries)
            .Select(dir => Path.Combine(dir, "kubectl"))
            .FirstOrDefault(File.Exists);

    private static string Run(string file, params string[] args)
    {
        var start = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        using var process = Process.Start(start)!;
        var stderr = process.StandardError.ReadToEndAsync();
        var stdout = process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"{file} {string.Join(' ', args)} failed ({process.ExitCode}): {stderr.Result}");
        }

        return stdout;
    }
}
