namespace CsiDriver.Mounting;

/// <summary>Reads <c>/proc/self/mountinfo</c>, whose paths escape space, tab, newline and backslash in octal.</summary>
public static class MountTable
{
    public static bool IsMountPoint(string path) => Find(path) is not null;

    /// <summary>The file-system type of the topmost mount at <paramref name="path"/>, or null.</summary>
    public static string? Find(string path)
    {
        var full = Path.TrimEndingDirectorySeparator(Path.GetFullPath(path));
        string? type = null;
        foreach (var line in File.ReadLines("/proc/self/mountinfo"))
        {
            var fields = line.Split(' ');
            if (fields.Length < 10 || Unescape(fields[4]) != full)
            {
                continue;
            }

            var separator = Array.IndexOf(fields, "-");
            type = separator > 0 && separator + 1 < fields.Length ? fields[separator + 1] : "unknown";
        }

        return type;
    }

    private static string Unescape(string field)
    {
        if (!field.Contains('\\', StringComparison.Ordinal))
        {
            return field;
        }

        var builder = new StringBuilder(field.Length);
        for (var i = 0; i < field.Length; i++)
        {
            if (field[i] == '\\' && i + 3 < field.Length)
            {
                builder.Append((char)Convert.ToInt32(field.Substring(i + 1, 3), 8));
                i += 3;
            }
            else
            {
                builder.Append(field[i]);
            }
        }

        return builder.ToString();
    }
}
