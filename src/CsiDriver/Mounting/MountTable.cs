namespace CsiDriver.Mounting;

/// <summary>Reads <c>/proc/self/mountinfo</c>, whose paths escape space, tab, newline and backslash in octal.</summary>
public static partial class MountTable
{
    public static bool IsMountPoint(string path) => Find(path) is not null;

    /// <summary>The file-system type of the topmost mount at <paramref name="path"/>, or null.</summary>
    public static string? Find(string path)
    {
        var full = Path.TrimEndingDirectorySeparator(Path.GetFullPath(path));
        return File.ReadLines("/proc/self/mountinfo")
            .Select(line => line.Split(' '))
            .Where(fields => fields.Length >= 10 && Unescape(fields[4]) == full)
            .Select(fields => Array.IndexOf(fields, "-") is var separator && separator > 0 && separator + 1 < fields.Length ? fields[separator + 1] : "unknown")
            .LastOrDefault(); // Mounts stack in table order: the last one is on top.
    }

    private static string Unescape(string field) =>
        field.Contains('\\', StringComparison.Ordinal) ? OctalEscape().Replace(field, m => ((char)Convert.ToInt32(m.Groups[1].Value, 8)).ToString()) : field;

    [GeneratedRegex(@"\\([0-7]{3})")]
    private static partial Regex OctalEscape();
}
