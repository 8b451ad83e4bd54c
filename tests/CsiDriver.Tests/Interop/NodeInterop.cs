using System.Diagnostics;
using System.Text.Json;

namespace CsiDriver.Tests.Interop;

/// <summary>
/// The real grpc-js harness in tests/interop: finds it, checks node and its node_modules are there
/// (failing with how to fix it otherwise), and runs client.js for one call.
/// </summary>
public static class NodeInterop
{
    private static readonly Lazy<string> Folder = new(FindFolder);

    /// <summary>tests/interop, with node on PATH and <c>npm ci</c> done; otherwise the test fails saying so.</summary>
    public static string Directory
    {
        get
        {
            var folder = Folder.Value;
            if (!System.IO.Directory.Exists(Path.Combine(folder, "node_modules", "@grpc", "grpc-js")) ||
                !System.IO.Directory.Exists(Path.Combine(folder, "node_modules", "@grpc", "proto-loader")))
            {
                throw new Xunit.Sdk.XunitException($"the grpc-js interop harness is not installed: run `npm ci` in {folder} (CI does this before the tests)");
            }

            if (FindOnPath("node") is null)
            {
                throw new Xunit.Sdk.XunitException($"node is not on PATH: install Node.js 18+ and run `npm ci` in {folder}");
            }

            return folder;
        }
    }

    public static string Script(string name) => Path.Combine(Directory, name);

    /// <summary>One unary call with client.js; returns its JSON line (<c>{ok, response}</c> or <c>{ok:false, code, details}</c>).</summary>
    public static async Task<JsonElement> CallAsync(string socketPath, string method, string requestJson, int deadlineMs = 20000)
    {
        var output = await RunAsync("client.js", TimeSpan.FromMilliseconds(deadlineMs) + TimeSpan.FromSeconds(30), socketPath, method, requestJson, deadlineMs.ToString(System.Globalization.CultureInfo.InvariantCulture));
        return JsonDocument.Parse(output).RootElement.Clone();
    }

    /// <summary>Runs one script of the harness with node; returns its standard output, failing the test on a non-zero exit or a hang.</summary>
    public static async Task<string> RunAsync(string script, TimeSpan timeout, params string[] arguments)
    {
        var start = new ProcessStartInfo("node")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add(Script(script));
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var cancel = new CancellationTokenSource(timeout);
        try
        {
            await process.WaitForExitAsync(cancel.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"{script} did not exit within {timeout}");
        }

        var output = await stdout;
        if (process.ExitCode != 0)
        {
            throw new Xunit.Sdk.XunitException($"{script} exited with {process.ExitCode}: {await stderr}");
        }

        return output;
    }

    private static string FindFolder()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            var candidate = Path.Combine(dir.FullName, "tests", "interop");
            if (File.Exists(Path.Combine(candidate, "plugin-server.js")))
            {
                return candidate;
            }
        }

        throw new Xunit.Sdk.XunitException($"tests/interop not found above {AppContext.BaseDirectory}");
    }

    private static string? FindOnPath(string program) =>
        (Environment.GetEnvironmentVariable("PATH") ?? string.Empty)
            .Split(':', StringSplitOptions.RemoveEmptyEntries)
            .Select(d => Path.Combine(d, program))
            .FirstOrDefault(File.Exists);
}
