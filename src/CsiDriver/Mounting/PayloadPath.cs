using CsiDriver.Publishing;

namespace CsiDriver.Mounting;

/// <summary>
/// The rules a file path inside a volume must follow (kubelet's atomic-writer rules): relative,
/// already clean, no <c>..</c> element, not starting with <c>..</c> (reserved for <c>..data</c>).
/// </summary>
public static class PayloadPath
{
    public const int MaxPathLength = 4096;
    public const int MaxElementLength = 255;

    public static void Validate(string path)
    {
        string? problem = path switch
        {
            "" => "is empty",
            _ when path.Length > MaxPathLength => $"is longer than {MaxPathLength} characters",
            _ when path.StartsWith('/') => "is absolute",
            _ when path.Contains('\0', StringComparison.Ordinal) => "contains a NUL character",
            _ when path.EndsWith('/') => "ends with '/'",
            _ => null,
        };

        // Then element by element: the first problem found is reported. A loop, not LINQ: every file of every publish passes here.
        var elements = problem is null ? path.Split('/') : [];
        for (var i = 0; problem is null && i < elements.Length; i++)
        {
            problem = elements[i] switch
            {
                "" => "has an empty element",
                "." => "has a '.' element",
                ".." => "has a '..' element",
                { Length: > MaxElementLength } => $"has an element longer than {MaxElementLength} characters",
                var element when i == 0 && element.StartsWith("..", StringComparison.Ordinal) => "starts with '..', which is reserved for the writer",
                _ => null,
            };
        }

        if (problem is not null)
        {
            throw new SecretStoreException(FailureKind.InvalidConfiguration, $"object path \"{Printable(path)}\" {problem}") { Reason = "FileWriteError" };
        }
    }

    /// <summary>Checks a whole payload: every path valid, no duplicates, no file that is also a directory.</summary>
    public static void ValidateAll(IEnumerable<string> paths)
    {
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var path in paths)
        {
            Validate(path);
            if (!seen.Add(path))
            {
                throw new SecretStoreException(FailureKind.InvalidConfiguration, $"object path \"{path}\" is used by two objects") { Reason = "FileWriteError" };
            }
        }

        foreach (var path in seen)
        {
            for (var slash = path.IndexOf('/', StringComparison.Ordinal); slash > 0; slash = path.IndexOf('/', slash + 1))
            {
                if (seen.Contains(path[..slash]))
                {
                    throw new SecretStoreException(FailureKind.InvalidConfiguration, $"object path \"{path[..slash]}\" is both a file and a directory") { Reason = "FileWriteError" };
                }
            }
        }
    }

    private static string Printable(string path) =>
        path.Length > 120 ? path[..120] + "..." : path.Replace("\0", "\\0", StringComparison.Ordinal);
}
