namespace CsiDriver.ExternalSecrets.Api;

/// <summary><c>dataFrom[].find</c>: every provider secret matching a name regexp, tags and/or a root path.</summary>
internal sealed class ExternalSecretFind
{
    public string? Path { get; set; }

    public FindName? Name { get; set; }

    public Dictionary<string, string>? Tags { get; set; }

    public string? ConversionStrategy { get; set; }

    public string? DecodingStrategy { get; set; }

    public string? NullBytePolicy { get; set; }
}

/// <summary><c>find.name</c>.</summary>
internal sealed class FindName
{
    /// <summary>A Go (RE2) regular expression.</summary>
    public string? Regexp { get; set; }
}
