using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;

namespace CsiDriver.Hosting;

/// <summary>Parses <c>--metrics-addr</c> in Go's listen form: <c>:8095</c>, <c>127.0.0.1:8095</c>, <c>[::1]:8095</c>.</summary>
public static class MetricsEndpointAddress
{
    public static IPEndPoint? Parse(string address)
    {
        if (string.IsNullOrWhiteSpace(address))
        {
            return null;
        }

        var colon = address.LastIndexOf(':');
        if (colon < 0 || !int.TryParse(address.AsSpan(colon + 1), NumberStyles.None, CultureInfo.InvariantCulture, out var port) || port > 65535)
        {
            throw new ArgumentException($"metrics address '{address}' is not host:port or :port");
        }

        var host = address[..colon].Trim('[', ']');
        var ip = host switch
        {
            "" => IPAddress.IPv6Any,
            "localhost" => IPAddress.Loopback,
            _ => IPAddress.TryParse(host, out var parsed) ? parsed : throw new ArgumentException($"metrics address '{address}' must name an IP address, not a host name"),
        };
        return new IPEndPoint(ip, port);
    }

    /// <summary>
    /// The URL the started server's TCP listener bound (a port 0 resolved to the real one; a wildcard shown as
    /// loopback), for the start-up log; null when no TCP listener is configured.
    /// </summary>
    internal static string? Bound(IServiceProvider services) =>
        services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()?.Addresses
            .Where(a => a.StartsWith("http://", StringComparison.Ordinal) && !a.StartsWith("http://unix:", StringComparison.Ordinal))
            .Select(a => a.Replace("[::]", "127.0.0.1", StringComparison.Ordinal).Replace("0.0.0.0", "127.0.0.1", StringComparison.Ordinal))
            .FirstOrDefault();
}
