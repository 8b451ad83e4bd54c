using System.Runtime.InteropServices;
using CsiDriver.Mounting;
using CsiDriver.Publishing;

namespace CsiDriver.Providers.Plugins;

/// <summary>A plugin socket found on disk, with the identity of the file so a replaced socket is noticed.</summary>
internal sealed record PluginSocket(string Path, SocketFileIdentity Identity);

/// <summary>Which file a socket path named when it was looked at: a restarted plugin binds a new file.</summary>
internal readonly record struct SocketFileIdentity(uint DevMajor, uint DevMinor, ulong Inode, long ChangedSeconds, uint ChangedNanoseconds);

/// <summary>
/// Finds <c>&lt;folder&gt;/&lt;provider&gt;.sock</c> in the configured folders, in order, as upstream does:
/// the first folder where the path exists wins.
/// </summary>
internal sealed partial class PluginSocketLocator(IReadOnlyList<string> folders)
{
    private const ushort FileTypeMask = 0xF000;
    private const ushort SocketType = 0xC000;
    private const uint StatxIno = 0x100;
    private const uint StatxCtime = 0x80;

    /// <exception cref="SecretStoreException">Invalid name, no socket in any folder, or a path that is not a socket.</exception>
    public PluginSocket Locate(string provider, string classDescription, string builtIn = "")
    {
        if (!ValidName().IsMatch(provider))
        {
            throw NotFound(FailureKind.InvalidConfiguration, classDescription, $"invalid provider \"{provider}\": a plugin name is 1-30 letters, digits, '_' or '-'");
        }

        foreach (var folder in folders)
        {
            var path = Path.Combine(folder, provider + ".sock");
            if (Libc.Statx(Libc.AT_FDCWD, path, 0, Libc.STATX_TYPE | StatxIno | StatxCtime, out var stat) != 0)
            {
                var errno = Marshal.GetLastPInvokeError();
                if (errno is Libc.ENOENT or ENOTDIR)
                {
                    continue;
                }

                throw NotFound(FailureKind.Unavailable, classDescription, $"cannot check provider plugin socket {path}: {Libc.ErrorText(errno)}");
            }

            if ((stat.Mode & FileTypeMask) != SocketType)
            {
                throw NotFound(FailureKind.Unavailable, classDescription, $"provider plugin path {path} exists but is not a unix socket");
            }

            return new PluginSocket(path, new SocketFileIdentity(stat.DevMajor, stat.DevMinor, stat.Ino, stat.Ctime.Seconds, stat.Ctime.Nanoseconds));
        }

        throw NotFound(
            FailureKind.Unavailable,
            classDescription,
            $"provider \"{provider}\" not found: it is not built in (built in: {(builtIn.Length > 0 ? builtIn : "none")}) and no plugin socket {provider}.sock is in {string.Join(", ", folders)} (is the provider's DaemonSet running on this node?)");
    }

    private static SecretStoreException NotFound(FailureKind kind, string classDescription, string message) =>
        new(kind, $"SecretProviderClass {classDescription}: {message}") { Reason = "ProviderNotFound" };

    private const int ENOTDIR = 20;

    /// <summary>Upstream's rule for provider names, which also keeps a name from escaping the folder.</summary>
    [GeneratedRegex("^[a-zA-Z0-9_-]{1,30}\\z", RegexOptions.CultureInvariant)]
    private static partial Regex ValidName();
}
