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

        var (status, contentType, body) = http.Request.Path.Value switch
        {
            "/metrics" => (StatusCodes.Status200OK, "text/plain; version=0.0.4; charset=utf-8", metrics.Render()),
            "/healthz" => (StatusCodes.Status200OK, "text/plain", "ok\n"),
            "/readyz" when _ready => (StatusCodes.Status200OK, "text/plain", "ready\n"),
            "/readyz" => (StatusCodes.Status503ServiceUnavailable, "text/plain", "starting\n"),
            _ => (StatusCodes.Status404NotFound, "", ""),
        };
        http.Response.StatusCode = status;
        if (body.Length > 0)
        {
            http.Response.ContentType = contentType;
            await http.Response.WriteAsync(body, http.RequestAborted).ConfigureAwait(false);
        }
    }
}
