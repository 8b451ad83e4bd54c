using Microsoft.AspNetCore.Http;

namespace CsiDriver.Observability;

/// <summary>
/// The plain-HTTP side of the driver on <c>--metrics-addr</c>: Prometheus text at <c>/metrics</c>,
/// liveness at <c>/healthz</c> and readiness at <c>/readyz</c> (ready once state is reconciled and
/// the CSI socket is bound).
/// </summary>
internal sealed class HealthAndMetricsEndpoint(MetricsRegistry metrics)
{
    private volatile bool _ready;

    public void MarkReady() => _ready = true;

    public async Task HandleAsync(HttpContext http)
    {
        if (!HttpMethods.IsGet(http.Request.Method) && !HttpMethods.IsHead(http.Request.Method))
        {
            http.Response.StatusCode = StatusCodes.Status405MethodNotAllowed;
            return;
        }

        switch (http.Request.Path.Value)
        {
            case "/metrics":
                http.Response.ContentType = "text/plain; version=0.0.4; charset=utf-8";
                await http.Response.WriteAsync(metrics.Render(), http.RequestAborted).ConfigureAwait(false);
                break;
            case "/healthz":
                http.Response.ContentType = "text/plain";
                await http.Response.WriteAsync("ok\n", http.RequestAborted).ConfigureAwait(false);
                break;
            case "/readyz":
                http.Response.StatusCode = _ready ? StatusCodes.Status200OK : StatusCodes.Status503ServiceUnavailable;
                http.Response.ContentType = "text/plain";
                await http.Response.WriteAsync(_ready ? "ready\n" : "starting\n", http.RequestAborted).ConfigureAwait(false);
                break;
            default:
                http.Response.StatusCode = StatusCodes.Status404NotFound;
                break;
        }
    }
}
