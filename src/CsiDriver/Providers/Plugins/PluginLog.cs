namespace CsiDriver.Providers.Plugins;

/// <summary>Log lines of provider resolution and plugin calls (event ids 500-549). Never values or tokens.</summary>
internal static partial class PluginLog
{
    [LoggerMessage(500, LogLevel.Information, "Provider resolution: built in [{BuiltIn}]; served by plugins instead (--prefer-plugin-providers) [{Preferred}]; any other spec.provider is called as a plugin at <folder>/<provider>.sock, folders searched in order: {Folders}")]
    public static partial void Resolution(ILogger logger, string builtIn, string preferred, string folders);

    [LoggerMessage(501, LogLevel.Information, "Provider plugin {Provider} at {SocketPath}: protocol {Version}, runtime {RuntimeName} {RuntimeVersion}")]
    public static partial void Connected(ILogger logger, string provider, string socketPath, string version, string runtimeName, string runtimeVersion);

    [LoggerMessage(502, LogLevel.Warning, "Provider plugin {Provider} at {SocketPath} answered Version with '{Version}', expected '{Expected}'; calling it anyway, as upstream does")]
    public static partial void VersionMismatch(ILogger logger, string provider, string socketPath, string version, string expected);

    [LoggerMessage(503, LogLevel.Information, "Provider plugin {Provider}: socket {SocketPath} was replaced (plugin restarted); reconnecting")]
    public static partial void SocketReplaced(ILogger logger, string provider, string socketPath);

    [LoggerMessage(504, LogLevel.Warning, "Provider plugin {Provider} returned a {Bytes}-byte Mount response for {Class}: above 1 MiB, so mirroring these objects into a Kubernetes Secret may fail")]
    public static partial void LargeResponse(ILogger logger, string provider, int bytes, string @class);

    [LoggerMessage(505, LogLevel.Warning, "Provider plugin {Provider} sent a Mount response over the receive limit for {Class}; raise --max-call-recv-msg-size (now {Limit} bytes) if the objects are meant to be this large")]
    public static partial void ResponseTooLarge(ILogger logger, string provider, string @class, int limit);

    [LoggerMessage(506, LogLevel.Debug, "Provider plugin {Provider} Mount for {Class} returned {Files} file(s), {Versions} version(s)")]
    public static partial void Mounted(ILogger logger, string provider, string @class, int files, int versions);
}
