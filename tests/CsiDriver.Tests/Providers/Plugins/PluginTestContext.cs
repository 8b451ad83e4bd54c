using CsiDriver.Providers;
using CsiDriver.Providers.Plugins;
using CsiDriver.Publishing;
using CsiDriver.Spec;
using CsiDriver.Tests.Infrastructure;
using Microsoft.Extensions.Logging;

namespace CsiDriver.Tests.Providers.Plugins;

/// <summary>Two plugin folders (additional first, provider volume last), a plugin factory over them, and request builders.</summary>
public sealed class PluginTestContext : IDisposable
{
    public const string Token = "eyJhbGciOiJSUzI1NiJ9.secret-token-value.sig";
    public const string TokensJson = "{\"vault\":{\"token\":\"" + Token + "\",\"expirationTimestamp\":\"2030-01-01T00:00:00Z\"}}";

    private readonly LoggerFactory _loggers;

    public PluginTestContext(Func<PluginOptions, PluginOptions>? configure = null)
    {
        Directory = new TestDirectory();
        AdditionalFolder = Directory.CreateDirectory("etc-providers");
        ProviderVolume = Directory.CreateDirectory("run-providers");
        Logs = new CapturingLoggerProvider();
        _loggers = new LoggerFactory([Logs], new LoggerFilterOptions { MinLevel = LogLevel.Trace });
        var options = new PluginOptions
        {
            SearchFolders = PluginOptions.FoldersFrom(AdditionalFolder, ProviderVolume),
            MountTimeout = TimeSpan.FromSeconds(30),
        };
        Options = configure?.Invoke(options) ?? options;
        Factory = new PluginProviderFactory(Options, _loggers, TimeProvider.System);
    }

    public TestDirectory Directory { get; }

    public string AdditionalFolder { get; }

    public string ProviderVolume { get; }

    public CapturingLoggerProvider Logs { get; }

    public PluginOptions Options { get; }

    public PluginProviderFactory Factory { get; }

    public string TargetPath => Directory.Combine("pods", "pod-1", "volumes", "kubernetes.io~csi", "secrets", "mount");

    public Task<PluginServer> StartPluginAsync(string name, string mode, string? folder = null) =>
        PluginServer.StartAsync(Path.Combine(folder ?? ProviderVolume, name + ".sock"), mode);

    public static ProviderRequest Request(
        string provider = "fake",
        IReadOnlyDictionary<string, string>? attributes = null,
        IReadOnlyDictionary<string, string>? secrets = null,
        IReadOnlyList<ObjectVersion>? currentVersions = null,
        string? tokensJson = TokensJson,
        string targetPath = "/var/lib/kubelet/pods/pod-1/volumes/kubernetes.io~csi/secrets/mount")
    {
        var spc = new SecretProviderClass
        {
            Name = "app-secrets",
            Namespace = "team-a",
            Provider = provider,
            Parameters = attributes ?? new Dictionary<string, string> { ["fakeFiles"] = "[[\"a.txt\",\"hello\"]]" },
        };
        return new ProviderRequest(
            spc,
            attributes ?? spc.Parameters,
            new PodIdentity("app-pod", "team-a", "uid-1", "app-sa", ServiceAccountTokens.Parse(tokensJson)),
            secrets ?? new Dictionary<string, string>(),
            UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead,
            currentVersions ?? [],
            targetPath);
    }

    public static Dictionary<string, string> FakeFiles(params (string Path, string Contents)[] files) => new()
    {
        ["fakeFiles"] = System.Text.Json.JsonSerializer.Serialize(files.Select(f => new[] { f.Path, f.Contents })),
    };

    public void Dispose()
    {
        Factory.Dispose();
        _loggers.Dispose();
        Directory.Dispose();
    }
}
