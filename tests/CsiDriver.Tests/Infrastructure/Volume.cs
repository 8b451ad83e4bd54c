using CsiDriver.Mounting;

namespace CsiDriver.Tests.Infrastructure;

/// <summary>What a pod would see in a published volume, read straight from the file system.</summary>
public static class Volume
{
    public static bool IsTmpfsMount(string target) => MountTable.Find(target) == "tmpfs";

    public static int MountCount(string target) =>
        File.ReadLines("/proc/self/mountinfo").Count(l => l.Split(' ')[4] == target);

    public static string Read(string target, string relative) => File.ReadAllText(Path.Combine(target, relative));

    public static UnixFileMode Mode(string target, string relative) =>
        File.GetUnixFileMode(RealPath(target, relative));

    /// <summary>The payload file behind a visible path (through the top-level link and ..data).</summary>
    public static string RealPath(string target, string relative) => Libc.RealPath(Path.Combine(target, relative))!;

    public static string? DataLink(string target) => new FileInfo(Path.Combine(target, "..data")).LinkTarget;

    /// <summary>Every file under the payload directory, relative, sorted.</summary>
    public static List<string> Files(string target)
    {
        var payload = Path.Combine(target, DataLink(target)!);
        return Directory.EnumerateFiles(payload, "*", SearchOption.AllDirectories)
            .Select(f => Path.GetRelativePath(payload, f))
            .Order(StringComparer.Ordinal)
            .ToList();
    }
}
