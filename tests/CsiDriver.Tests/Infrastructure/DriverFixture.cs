using CsiDriver.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace CsiDriver.Tests.Infrastructure;

/// <summary>
/// The real driver, in process, on a temp unix socket with the embedded defaults: a class folder
/// (--spc-dir), the local provider (--local-store-root) and a state dir. Tests talk to it only
/// through the socket with <see cref="CsiClient"/>.
/// </summary>
public sealed class DriverFixture : IAsyncDisposable
{
    private readonly Action<IServiceCollection>? _services;

    private DriverFixture(TestDirectory directory, DriverOptions options, DriverHost host, CapturingLoggerProvider logs, Action<IServiceCollection>? services)
    {
        _services = services;
        Directory = directory;
        Options = options;
        Host = host;
        Logs = logs;
        Client = new CsiClient(host.SocketPath);
    }

    public TestDirectory Directory { get; }

    public DriverOptions Options { get; }

    public DriverHost Host { get; private set; }

    public CapturingLoggerProvider Logs { get; }

    public CsiClient Client { get; private set; }

    /// <summary>The metrics listener's URL, as the running driver logged it at start (event 7; port 0 resolved).</summary>
    public Uri MetricsUri => new((string)Logs.Events(7).Last(e => e.ContainsKey("MetricsUrl"))["MetricsUrl"]!);

    public string SpcDir => Options.SpcDir!;

    /// <summary>The local store folder pods in namespace <c>default</c> read (the store is split by namespace).</summary>
    public string StoreRoot => Options.LocalStoreScope == "node" ? Options.LocalStoreRoot! : Path.Combine(Options.LocalStoreRoot!, "default");

    public string StateDir => Options.StateDir;

    /// <param name="services">Registrations ahead of the driver's own (e.g. provider options pointing at a loopback backend).</param>
    public static async Task<DriverFixture> StartAsync(Action<DriverOptions>? configure = null, TestDirectory? directory = null, Action<IServiceCollection>? services = null)
    {
        directory ??= new TestDirectory();
        var options = new DriverOptions
        {
            Endpoint = "unix://" + directory.Combine("plugin", "csi.sock"),
            NodeId = "test-node",
            StateDir = directory.Combine("state"),
            SpcDir = directory.CreateDirectory("classes"),
            LocalStoreRoot = directory.CreateDirectory("store"),
            LocalStoreScope = "namespace",
            Verbosity = 5,
            MetricsAddr = "127.0.0.1:0",
            ShutdownTimeout = TimeSpan.FromSeconds(10),
        };
        configure?.Invoke(options);
        if (options.LocalStoreRoot is { } root)
        {
            System.IO.Directory.CreateDirectory(Path.Combine(root, "default"));
        }

        var logs = new CapturingLoggerProvider();
        var host = await DriverHost.StartAsync(options, logging => logging.AddProvider(logs), services);
        return new DriverFixture(directory, options, host, logs, services);
    }

    /// <summary>Stops the driver (mounts stay) and starts a new one on the same folders, as after a crash or upgrade.</summary>
    public async Task RestartAsync()
    {
        Client.Dispose();
        await Host.DisposeAsync();
        Host = await DriverHost.StartAsync(Options, logging => logging.AddProvider(Logs), _services);
        Client = new CsiClient(Host.SocketPath);
    }

    /// <summary>A kubelet-style target path for a pod volume under the test folder (not created).</summary>
    public string TargetPath(string podUid = "pod-1", string volume = "secrets") =>
        Directory.Combine("pods", podUid, "volumes", "kubernetes.io~csi", volume, "mount");

    /// <summary>A target whose parents exist and are world-traversable, as a container's view of its own mount is.</summary>
    public string TraversableTargetPath(string podUid = "pod-1")
    {
        var target = TargetPath(podUid);
        System.IO.Directory.CreateDirectory(Path.GetDirectoryName(target)!, (UnixFileMode)Convert.ToInt32("755", 8));
        return target;
    }

    public void WriteClass(string name, string provider, string objectsYaml, string @namespace = "default", string? extraParameters = null)
    {
        var indented = string.Join('\n', objectsYaml.Trim('\n').Split('\n').Select(l => "      " + l));
        File.WriteAllText(
            Path.Combine(SpcDir, $"{@namespace}-{name}.yaml"),
            $"""
            apiVersion: secrets-store.csi.x-k8s.io/v1
            kind: SecretProviderClass
            metadata:
              name: {name}
              namespace: {@namespace}
            spec:
              provider: {provider}
              parameters:
            {extraParameters ?? string.Empty}
                objects: |
            {indented}
            """);
    }

    public string WriteStoreFile(string relativePath, string contents)
    {
        var path = Path.Combine(StoreRoot, relativePath);
        System.IO.Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, contents);
        return path;
    }

    public async ValueTask DisposeAsync()
    {
        Client.Dispose();
        await Host.DisposeAsync();
        Directory.Dispose();
    }
}
