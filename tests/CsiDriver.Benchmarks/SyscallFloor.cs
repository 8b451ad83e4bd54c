using System.Diagnostics;
using System.Runtime.InteropServices;
using System.Text;
using CsiDriver.Mounting;

namespace CsiDriver.Benchmarks;

/// <summary>
/// The floor under the driver's figures: the raw syscalls of one publish (mkdir the target, mount a tmpfs, mkdir
/// the timestamped payload directory, 5 x open/write/close of 1 KiB, 5 visible symlinks, the <c>..data_tmp</c>
/// symlink and its rename over <c>..data</c>) and of one unpublish (umount2, rmdir), made from this process
/// through the driver's LibraryImport bindings with every path built beforehand. 27 syscalls per cycle.
/// </summary>
internal static class SyscallFloor
{
    public const int SyscallsPerCycle = 1 + 1 + 1 + (5 * 3) + 5 + 2 + 2;
    private const int Objects = 5;

    public static FloorResult Run(string work, int iterations)
    {
        var root = Directory.CreateDirectory(Path.Combine(work, "floor")).FullName;
        var target = Path.Combine(root, "mount");
        var payload = "..2026_01_01_00_00_00.00000000";
        var payloadPath = Path.Combine(target, payload);
        var files = Enumerable.Range(1, Objects).Select(i => Path.Combine(payloadPath, $"obj{i}")).ToArray();
        var links = Enumerable.Range(1, Objects).Select(i => (Target: $"..data/obj{i}", Path: Path.Combine(target, $"obj{i}"))).ToArray();
        var tempLink = Path.Combine(target, "..data_tmp");
        var dataLink = Path.Combine(target, "..data");
        var contents = Encoding.ASCII.GetBytes(new string('x', 1024));

        var publish = new double[iterations];
        var unpublish = new double[iterations];
        var clock = Stopwatch.StartNew();
        for (var i = 0; i < iterations; i++)
        {
            var t0 = Stopwatch.GetTimestamp();
            Check(Libc.Mkdir(target, Convert.ToUInt32("750", 8)), "mkdir target");
            Check(Libc.Mount("tmpfs", target, "tmpfs", Libc.MS_NOSUID | Libc.MS_NODEV | Libc.MS_NOEXEC, "size=4194304,mode=0755"), "mount");
            Check(Libc.Mkdir(payloadPath, Convert.ToUInt32("755", 8)), "mkdir payload");
            foreach (var file in files)
            {
                WriteFile(file, contents);
            }

            foreach (var (linkTarget, path) in links)
            {
                Check(Libc.Symlink(linkTarget, path), "symlink");
            }

            Check(Libc.Symlink(payload, tempLink), "symlink ..data_tmp");
            Check(Libc.Rename(tempLink, dataLink), "rename");
            var t1 = Stopwatch.GetTimestamp();
            Check(Libc.Umount2(target, Libc.UMOUNT_NOFOLLOW), "umount2");
            Check(Libc.Rmdir(target), "rmdir");
            var t2 = Stopwatch.GetTimestamp();
            publish[i] = Stopwatch.GetElapsedTime(t0, t1).TotalMilliseconds;
            unpublish[i] = Stopwatch.GetElapsedTime(t1, t2).TotalMilliseconds;
        }

        clock.Stop();
        return new FloorResult(publish, unpublish, iterations / clock.Elapsed.TotalSeconds);
    }

    private static unsafe void WriteFile(string path, byte[] contents)
    {
        var fd = Libc.Open(path, Libc.O_WRONLY | Libc.O_CREAT | Libc.O_EXCL | Libc.O_CLOEXEC, Convert.ToUInt32("644", 8));
        Check(fd, "open");
        fixed (byte* start = contents)
        {
            Check((int)Libc.Write(fd, start, (nuint)contents.Length), "write");
        }

        Check(Libc.Close(fd), "close");
    }

    private static void Check(int result, string call)
    {
        if (result < 0)
        {
            throw new IOException($"floor: {call} failed: {Libc.ErrorText(Marshal.GetLastPInvokeError())}");
        }
    }
}

/// <summary>Per-iteration times (ms) of the floor, and its cycles per second on one thread.</summary>
internal sealed record FloorResult(double[] Publish, double[] Unpublish, double CyclesPerSecond);
