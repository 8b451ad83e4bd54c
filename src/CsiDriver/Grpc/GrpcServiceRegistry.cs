using System.Collections.Frozen;

namespace CsiDriver.Grpc;

/// <summary>The table of RPCs a server answers, looked up by HTTP/2 path.</summary>
internal sealed class GrpcServiceRegistry
{
    private readonly FrozenDictionary<string, UnaryMethod> _methods;
    private readonly FrozenSet<string> _services;

    public GrpcServiceRegistry(IEnumerable<IGrpcService> services)
    {
        var methods = services.SelectMany(s => s.Methods).ToList();
        _methods = methods.ToFrozenDictionary(m => m.FullName, StringComparer.Ordinal);
        _services = methods.Select(m => ServiceOf(m.FullName)).ToFrozenSet(StringComparer.Ordinal);
    }

    public bool TryGet(string path, out UnaryMethod method) => _methods.TryGetValue(path, out method!);

    /// <summary>The UNIMPLEMENTED text gRPC-Go uses, so an operator sees which half of the name was unknown.</summary>
    public string DescribeUnknown(string path)
    {
        var service = ServiceOf(path);
        var slash = path.LastIndexOf('/');
        var method = slash >= 0 ? path[(slash + 1)..] : path;
        return _services.Contains(service)
            ? $"unknown method {method} for service {service}"
            : $"unknown service {service}";
    }

    private static string ServiceOf(string path)
    {
        var trimmed = path.TrimStart('/');
        var slash = trimmed.IndexOf('/', StringComparison.Ordinal);
        return slash >= 0 ? trimmed[..slash] : trimmed;
    }
}

/// <summary>A gRPC service: a named group of unary methods.</summary>
internal interface IGrpcService
{
    IEnumerable<UnaryMethod> Methods { get; }
}
