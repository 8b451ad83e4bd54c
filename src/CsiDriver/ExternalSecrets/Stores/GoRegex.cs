namespace CsiDriver.ExternalSecrets.Stores;

/// <summary>
/// Compiles the Go (RE2) regular expressions of ExternalSecret specs. RE2 never backtracks, so a pattern is compiled
/// with <see cref="RegexOptions.NonBacktracking"/> (linear time, like Go's engine); the few constructs that mode
/// refuses but RE2 accepts fall back to the backtracking engine with a match timeout, so a hostile pattern can cost a
/// second, never a worker.
/// </summary>
internal static class GoRegex
{
    private static readonly TimeSpan MatchTimeout = TimeSpan.FromSeconds(1);

    /// <summary>The compiled pattern, or null when it does not compile (the caller words the error).</summary>
    public static Regex? TryCreate(string pattern)
    {
        try
        {
            return new Regex(pattern, RegexOptions.CultureInvariant | RegexOptions.NonBacktracking, MatchTimeout);
        }
        catch (NotSupportedException)
        {
        }
        catch (ArgumentException)
        {
            // NonBacktracking rejects some valid patterns with ArgumentException too; the backtracking engine decides.
        }

        try
        {
            return new Regex(pattern, RegexOptions.CultureInvariant, MatchTimeout);
        }
        catch (ArgumentException)
        {
            return null;
        }
    }

    /// <summary>Whether <paramref name="pattern"/> matches anywhere in <paramref name="input"/> (Go's <c>MatchString</c>).</summary>
    /// <exception cref="Publishing.SecretStoreException">The match timed out (a pattern RE2 would run in linear time).</exception>
    public static bool IsMatch(Regex pattern, string input)
    {
        try
        {
            return pattern.IsMatch(input);
        }
        catch (RegexMatchTimeoutException)
        {
            throw new Publishing.SecretStoreException(Publishing.FailureKind.InvalidConfiguration, $"regexp \"{pattern}\" took too long to match");
        }
    }
}
