namespace CsiDriver.Templating;

/// <summary>Bounds on template size, output and work so one SecretProviderClass cannot exhaust the node.</summary>
internal sealed record TemplateLimits
{
    public static TemplateLimits Default { get; } = new();

    /// <summary>Largest template text accepted, in UTF-8 bytes.</summary>
    public int MaxTemplateBytes { get; init; } = 64 * 1024;

    /// <summary>Largest rendered output, and largest string any function may produce, in bytes.</summary>
    public int MaxOutputBytes { get; init; } = 1024 * 1024;

    /// <summary>Total range iterations allowed in one render.</summary>
    public int MaxRangeIterations { get; init; } = 10_000;

    /// <summary>Deepest nesting of if/range/with blocks and parentheses.</summary>
    public int MaxNestingDepth { get; init; } = 32;

    /// <summary>Evaluation steps (nodes walked and functions called) allowed in one render.</summary>
    public long MaxSteps { get; init; } = 1_000_000;

    /// <summary>Parsed templates kept in the cache.</summary>
    public int MaxCachedTemplates { get; init; } = 256;
}
