namespace CsiDriver.Providers.Vault;

/// <summary>
/// A Vault call that failed: HTTP status and Vault's <c>errors</c> array, or a transport problem.
/// Internal to the provider, which turns it into a <see cref="Publishing.SecretStoreException"/>
/// naming the class and object. The message never holds a token or a response body beyond <c>errors</c>.
/// </summary>
internal sealed class VaultApiException(string operation, int? statusCode, IReadOnlyList<string> errors, string? transportProblem = null, bool timedOut = false, bool tooLarge = false, Exception? inner = null)
    : Exception(Describe(operation, statusCode, errors, transportProblem), inner)
{
    public string Operation { get; } = operation;

    /// <summary>The HTTP status, or null when no answer arrived.</summary>
    public int? StatusCode { get; } = statusCode;

    public IReadOnlyList<string> Errors { get; } = errors;

    public string? TransportProblem { get; } = transportProblem;

    public bool TimedOut { get; } = timedOut;

    public bool TooLarge { get; } = tooLarge;

    /// <summary>
    /// The same failure with <paramref name="sensitive"/> strings cut out, for failures shared between
    /// volumes: each volume redacts its own token and JWT, so a shared failure must not carry the first reader's.
    /// </summary>
    public VaultApiException Redacted(IEnumerable<string> sensitive)
    {
        var list = sensitive.ToList();
        return new VaultApiException(
            Operation,
            StatusCode,
            [.. Errors.Select(e => VaultErrors.Redact(e, list))],
            TransportProblem is null ? null : VaultErrors.Redact(TransportProblem, list),
            TimedOut,
            TooLarge,
            InnerException);
    }

    private static string Describe(string operation, int? statusCode, IReadOnlyList<string> errors, string? transportProblem) => statusCode is null
        ? $"{operation}: {transportProblem}"
        : $"{operation}: Code: {statusCode}. Errors: {(errors.Count == 0 ? "no error details" : string.Join("; ", errors))}";
}
