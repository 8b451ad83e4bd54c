using CsiDriver.ExternalSecrets.Runtime;
using CsiDriver.Hosting;
using CsiDriver.Kubernetes;
using CsiDriver.Observability;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Server.Kestrel.Core;

namespace CsiDriver.ExternalSecrets.Hosting;

/// <summary>
/// A running External Secrets controller: the runtime (watches, queues, leader election) plus an HTTP/1.1
/// listener on <c>--metrics-addr</c> for /metrics, /healthz and /readyz (ready once the caches synced).
/// </summary>
public sealed class ControllerHost : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly bool _listening;
    private int _stopped;

    private ControllerHost(WebApplication app, bool listening)
    {
        _app = app;
        _listening = listening;
    }

    public IServiceProvider Services => _app.Services;

    internal ControllerRuntime Runtime => _app.Services.GetRequiredService<ControllerRuntime>();

    /// <param name="options">The parsed flags.</param>
    /// <param name="connection">The API server and credentials (from <c>--kubeconfig</c> or in-cluster config).</param>
    /// <param name="configureLogging">Replaces the console logging set up from the options.</param>
    /// <param name="configureServices">Registrations applied before the controller's own (which are TryAdd), e.g. reconcilers.</param>
    /// <param name="cancellationToken">Cancels start-up.</param>
    public static async Task<ControllerHost> StartAsync(
        ControllerOptions options,
        KubernetesConnection connection,
        Action<ILoggingBuilder>? configureLogging,
        Action<IServiceCollection>? configureServices,
        CancellationToken cancellationToken = default)
    {
        var builder = WebApplication.CreateEmptyBuilder(new WebApplicationOptions { ApplicationName = "csi-secrets-store-controller" });
        builder.Services.AddLogging(logging => ProcessLogging.Configure(logging, configureLogging, options.LogFormatJson, options.Verbosity));
        configureServices?.Invoke(builder.Services);
        builder.Services.AddExternalSecretsController(options, connection);

        var metrics = MetricsEndpointAddress.Parse(options.MetricsAddr);
        builder.WebHost.UseKestrelCore().ConfigureKestrel(kestrel =>
        {
            kestrel.AddServerHeader = false;
            if (metrics is not null)
            {
                kestrel.Listen(metrics, listen => listen.Protocols = HttpProtocols.Http1);
            }
        });

        var app = builder.Build();
        var health = app.Services.GetRequiredService<HealthAndMetricsEndpoint>();
        app.Run(health.HandleAsync);
        var host = new ControllerHost(app, metrics is not null);

        // Without a listener Kestrel would bind its default port, so it is not started at all.
        if (metrics is not null)
        {
            await app.StartAsync(cancellationToken).ConfigureAwait(false);
            if (MetricsEndpointAddress.Bound(app.Services) is { } metricsUrl)
            {
                RuntimeLog.MetricsListening(app.Services.GetRequiredService<ILoggerFactory>().CreateLogger<ControllerHost>(), metricsUrl);
            }
        }

        host.Runtime.Start();
        return host;
    }

    /// <summary>Stops reconciling (in-flight reconciles finish), releases the lease, then stops serving.</summary>
    public async Task StopAsync()
    {
        if (Interlocked.Exchange(ref _stopped, 1) != 0)
        {
            return;
        }

        await Runtime.StopAsync().ConfigureAwait(false);
        if (_listening)
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(5));
            await _app.StopAsync(timeout.Token).ConfigureAwait(false);
        }
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync().ConfigureAwait(false);
        await _app.DisposeAsync().ConfigureAwait(false);
    }
}
