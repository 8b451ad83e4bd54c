namespace CsiDriver.Kubernetes;

/// <summary>
/// Checks names before they go into a URL path: a DNS-1123 subdomain (what every object the driver
/// touches uses) can neither be <c>..</c> nor contain <c>/</c>, so no name can reach another endpoint.
/// </summary>
public static partial class KubernetesNames
{
    public static bool IsValid(string? name) => name is { Length: > 0 and <= 253 } && Subdomain().IsMatch(name);

    internal static string Check(string? name, string what, string call) =>
        IsValid(name)
            ? name!
            : throw new KubernetesApiException(KubernetesErrorKind.BadRequest, null, call, "Invalid", $"{what} '{name}' is not a valid Kubernetes name (lowercase letters, digits, '-' and '.')");

    [GeneratedRegex("^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$", RegexOptions.CultureInvariant)]
    private static partial Regex Subdomain();
}
