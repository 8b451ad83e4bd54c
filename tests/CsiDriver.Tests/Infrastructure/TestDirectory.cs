using CsiDriver.Mounting;

namespace CsiDriver.Tests.Infrastructure;

/// <summary>A fresh folder under /tmp; on dispose, anything mounted beneath it is unmounted and it is deleted.</summary>
public sealed class TestDirectory : IDisposable
{
    /// <summary>umount2(2)'s MNT_DETACH: the driver never detaches, tests clean up with it.</summary>
    public const int MntDetach = 2;

    public TestDirectory()
    {
        Path = Directory.CreateTempSubdirectory("csi-test-").FullName;

        // Traversable by the unprivileged users some tests read as (the temp default is 0700).
        File.SetUnixFileMode(Path, (UnixFileMode)Convert.ToInt32("755", 8));
    }

    public string Path { get; }

    public string Combine(params string[] parts) => System.IO.Path.Combine([Path, .. parts]);

    public string CreateDirectory(params string[] parts) => Directory.CreateDirectory(Combine(parts)).FullName;

    public void Dispose()
    {
        foreach (var mount in MountsUnder(Path).OrderByDescending(m => m.Length))
        {
            Libc.Umount2(mount, MntDetach);
        }

        try
        {
            Directory.Delete(Path, recursive: true);
        }
        catch (IOException)
        {
            // Best effort: a detached mount may still be draining.
        }
    }

    /// <summary>Mount points at or below <paramref name="root"/>, from /proc/self/mountinfo.</summary>
    public static List<string> MountsUnder(string root)
    {
        var prefix = root.TrimEnd('/');
        return File.ReadLines("/proc/self/mountinfo")
            .Select(l => l.Split(' ')[4].Replace("\\040", " ", StringComparison.Ordinal))
            .Where(p => p == prefix || p.StartsWith(prefix + "/", StringComparison.Ordinal))
            .ToList();
    }
}
