namespace CsiDriver.Providers.Gcp;

/// <summary>What a <c>resourceName</c> points at.</summary>
internal enum GcpResourceKind
{
    SecretVersion,
    ParameterVersion,
}

/// <summary>
/// A validated <c>resourceName</c>: a Secret Manager secret version (global or regional) or a
/// Parameter Manager parameter version. Segments are restricted to characters that cannot change
/// the request URL, and the location to what can form a host name.
/// </summary>
internal sealed partial record GcpResourceName(string Value, GcpResourceKind Kind, string? Location)
{
    /// <summary>Upstream's limit on a location's length.</summary>
    private const int LocationLengthLimit = 30;

    /// <summary>Parses <paramref name="value"/>, or returns the upstream-like reason it is not acceptable.</summary>
    public static GcpResourceName? TryParse(string value, out string? error)
    {
        var match = ResourceText().Match(value);
        var location = match.Groups["location"] is { Success: true } l ? l.Value : null;
        switch (match.Success ? match.Groups["collection"].Value : null)
        {
            case "secrets":
                return Checked(value, GcpResourceKind.SecretVersion, location, Segments(match), "secret", out error);
            case "parameters" when location is not null:
                return Checked(value, GcpResourceKind.ParameterVersion, location == "global" ? null : location, Segments(match), "parameter", out error);
            default:
                error = "unknown resource type";
                return null;
        }
    }

    /// <summary>
    /// A Secret Manager version pinned by number: immutable at the backend, unlike <c>latest</c> and aliases,
    /// which can move. Parameter versions are never pinned here: their rendering follows the secrets they reference.
    /// </summary>
    public bool IsPinnedSecretVersion =>
        Kind == GcpResourceKind.SecretVersion && Value[(Value.LastIndexOf('/') + 1)..] is { Length: > 0 } version && version.All(char.IsAsciiDigit);

    private static GcpResourceName? Checked(string value, GcpResourceKind kind, string? location, string[] segments, string noun, out string? error)
    {
        // Only the project may hold a colon (legacy "domain.com:project" ids).
        error = location?.Length > LocationLengthLimit ? $"rpc error: code = InvalidArgument desc = Invalid location: {location}, location length exceeds limit"
            : location is not null && !LocationText().IsMatch(location) ? $"rpc error: code = InvalidArgument desc = Invalid location: {location}"
            : segments.Where((segment, i) => segment is "." or ".." || !SegmentText().IsMatch(segment) || (i > 0 && segment.Contains(':', StringComparison.Ordinal))).Any()
                ? $"rpc error: code = InvalidArgument desc = Invalid {noun} resource name: {value}"
            : null;
        return error is null ? new GcpResourceName(value, kind, location) : null;
    }

    private static string[] Segments(Match match) => [match.Groups["project"].Value, match.Groups["name"].Value, match.Groups["version"].Value];

    /// <summary>A secret version, global or regional, or a parameter version (always under a location).</summary>
    [GeneratedRegex("^projects/(?<project>[^/]+)/(locations/(?<location>[^/]+)/)?(?<collection>secrets|parameters)/(?<name>[^/]+)/versions/(?<version>[^/]+)$", RegexOptions.CultureInvariant | RegexOptions.ExplicitCapture)]
    private static partial Regex ResourceText();

    [GeneratedRegex("^[A-Za-z0-9._~:-]+$", RegexOptions.CultureInvariant)]
    private static partial Regex SegmentText();

    [GeneratedRegex("^[a-z0-9]([a-z0-9-]*[a-z0-9])?$", RegexOptions.CultureInvariant)]
    private static partial Regex LocationText();
}
