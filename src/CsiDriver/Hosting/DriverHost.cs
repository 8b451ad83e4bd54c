using CsiDriver.Csi;
using CsiDriver.Observability;
using CsiDriver.Providers;
using CsiDriver.State;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.AspNetCore.Server.Kestrel.Transport.Sockets;
using Microsoft.Extensions.Hosting;

namespace CsiDriver.Hosting;

/// <summary>
/// A running driver: Grpc.AspNetCore on Kestrel serving HTTP/2 gRPC on the CSI unix socket, with state reloaded
/// before the socket is bound so kubelet never talks to a half-started driver.
/// </summary>
public sealed class DriverHost : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly ILogger _logger;
    private readonly DriverOptions _options;
    private int _stopped;

    private DriverHost(WebApplication app, string socketPath, DriverOptions options)
    {
        _app = app;
        SocketPath = socketPath;
        _options = options;
        _logger = app.Services.GetRequiredService<ILoggerFactory>().CreateLogger("CsiDriver");
    }

    public string SocketPath { get; }

    public IServiceProvider Services => _app.Services;

    /// <param name="options">The driver's command-line options.</param>
    /// <param name="configureLogging">Replaces the console logging set up from the options.</param>
    /// <param name="configureServices">
    /// Registrations applied before the driver's own, which are all TryAdd or looked up optionally, so an
    /// in-process host (tests, embedding) can supply e.g. <c>AwsProviderOptions</c> or an
    /// <c>IServiceAccountLookup</c> without touching the process environment.
    /// </param>
    /// <param name="cancellationToken">Cancels start-up.</param>
    public static async Task<DriverHost> StartAsync(
        DriverOptions options, Action<ILoggingBuilder>? configureLogging = null, Action<IServiceCollection>? configureServices = null, CancellationToken cancellationToken = default)
    {
        var socketPath = SocketEndpoint.ParsePath(options.Endpoint);
        var builder = WebApplication.CreateEmptyBuilder(new WebApplicationOptions { ApplicationName = "csi-secrets-store" });
        builder.Services.AddLogging(logging =>
        {
            ProcessLogging.Configure(logging, configureLogging, options.LogFormatJson, options.Verbosity);

            // Grpc.AspNetCore logs every non-OK status with its stack; CallOutcomeInterceptor logs calls once.
            logging.AddFilter("Grpc", LogLevel.Warning);
        });
        builder.Services.Configure<HostOptions>(o => o.ShutdownTimeout = options.ShutdownTimeout);
        configureServices?.Invoke(builder.Services);
        builder.Services.AddCsiDriver(options);
        // HTTP/2 runs every call's handler on the thread pool anyway; inline scheduling only drops the extra hand-off of
        // each connection's reads and writes through Kestrel's IO queues (thread wake-ups: futex calls per call). Socket
        // completions still reach the pool (DOTNET_SYSTEM_NET_SOCKETS_INLINE_COMPLETIONS stays unset: measured, it added
        // wake-ups here), so no handler or provider code ever runs on the epoll thread.
        builder.Services.Configure<SocketTransportOptions>(sockets => sockets.UnsafePreferInlineScheduling = true);
        builder.WebHost.UseKestrelCore().ConfigureKestrel(kestrel =>
        {
            kestrel.AddServerHeader = false;
            kestrel.Limits.MaxRequestBodySize = null; // Grpc.AspNetCore enforces --max-call-recv-msg-size per message.
            kestrel.Limits.Http2.MaxStreamsPerConnection = 256;
            kestrel.ListenUnixSocket(socketPath, listen => listen.Protocols = HttpProtocols.Http2);
            if (MetricsEndpointAddress.Parse(options.MetricsAddr) is { } metrics)
            {
                // HTTP/1.1 only: Prometheus and kubelet probes speak it, and cleartext HTTP/2 next to it would only warn at start.
                kestrel.Listen(metrics, listen => listen.Protocols = HttpProtocols.Http1);
            }
        });

        var app = builder.Build();
        var host = new DriverHost(app, socketPath, options);
        var health = app.Services.GetRequiredService<HealthAndMetricsEndpoint>();

        // The TCP listener carries metrics and health only; gRPC is routed on the unix socket alone.
        app.MapWhen(http => http.Connection.LocalIpAddress is not null, metrics => metrics.Run(health.HandleAsync));
        app.UseRouting();
        app.MapGrpcService<IdentityService>();
        app.MapGrpcService<ControllerService>();
        app.MapGrpcService<NodeService>();

        var reloaded = app.Services.GetRequiredService<StartupReconciler>().Reconcile();
        DriverLog.StateReloaded(host._logger, reloaded, options.StateDir);
        var providers = app.Services.GetRequiredService<ProviderRegistry>();
        DriverLog.ProvidersAvailable(host._logger, string.Join(", ", providers.Names));
        providers.LogResolution(host._logger);

        if (SocketEndpoint.Prepare(socketPath))
        {
            DriverLog.StaleSocketRemoved(host._logger, socketPath);
        }

        await app.StartAsync(cancellationToken).ConfigureAwait(false);
        File.SetUnixFileMode(socketPath, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.GroupWrite);
        health.MarkReady();
        if (MetricsEndpointAddress.Bound(app.Services) is { } metricsUrl)
        {
            DriverLog.MetricsListening(host._logger, metricsUrl);
        }

        var identity = app.Services.GetRequiredService<Csi.DriverIdentity>();
        DriverLog.Started(host._logger, identity.Name, identity.Version, socketPath, identity.NodeId);
        return host;
    }

    /// <summary>Stops accepting calls, lets calls in flight finish (up to the shutdown timeout), leaves mounts in place.</summary>
    public async Task StopAsync()
    {
        if (Interlocked.Exchange(ref _stopped, 1) != 0)
        {
            return;
        }

        DriverLog.ShuttingDown(_logger);
        using var timeout = new CancellationTokenSource(_options.ShutdownTimeout);
        await _app.StopAsync(timeout.Token).ConfigureAwait(false);
        File.Delete(SocketPath);
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync().ConfigureAwait(false);
        await _app.DisposeAsync().ConfigureAwait(false);
    }
}
