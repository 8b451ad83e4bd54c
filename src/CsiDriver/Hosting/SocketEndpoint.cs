using System.Net.Sockets;

namespace CsiDriver.Hosting;

/// <summary>
/// The CSI endpoint's unix socket: parses the flag, prepares the folder, clears a stale socket
/// left by a crash and refuses to run beside another live driver.
/// </summary>
public static class SocketEndpoint
{
    /// <summary><c>unix:///a/b</c> and <c>unix://a/b</c> both mean <c>/a/b</c> (upstream's rule); a plain path is taken as is.</summary>
    public static string ParsePath(string endpoint)
    {
        if (endpoint.StartsWith("unix://", StringComparison.OrdinalIgnoreCase))
        {
            var rest = endpoint["unix://".Length..];
            return rest.StartsWith('/') ? rest : "/" + rest;
        }

        if (endpoint.StartsWith("unix:", StringComparison.OrdinalIgnoreCase))
        {
            return Path.GetFullPath(endpoint["unix:".Length..]);
        }

        if (endpoint.Contains("://", StringComparison.Ordinal))
        {
            throw new ArgumentException($"endpoint '{endpoint}' is not supported: kubelet talks to CSI drivers over unix sockets only");
        }

        return Path.GetFullPath(endpoint);
    }

    /// <summary>Returns true if a stale socket was removed.</summary>
    /// <exception cref="InvalidOperationException">Another process serves the socket, or the path is not a socket.</exception>
    public static bool Prepare(string socketPath)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(socketPath)!, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute | UnixFileMode.GroupRead | UnixFileMode.GroupExecute);
        var info = new FileInfo(socketPath);
        if (!info.Exists && info.LinkTarget is null)
        {
            return false;
        }

        if ((info.Attributes & FileAttributes.Directory) != 0 || info.LinkTarget is not null || !IsSocket(socketPath))
        {
            throw new InvalidOperationException($"{socketPath} exists and is not a socket; refusing to replace it");
        }

        using var probe = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        try
        {
            probe.Connect(new UnixDomainSocketEndPoint(socketPath));
            throw new InvalidOperationException($"another process is serving {socketPath}; refusing to start a second driver on it");
        }
        catch (SocketException)
        {
            // Nobody listens: a crash left it behind.
        }

        File.Delete(socketPath);
        return true;
    }

    private static bool IsSocket(string path) =>
        Mounting.Libc.Statx(Mounting.Libc.AT_FDCWD, path, Mounting.Libc.AT_SYMLINK_NOFOLLOW, Mounting.Libc.STATX_TYPE, out var stat) == 0 &&
        (stat.Mode & Mounting.Libc.S_IFMT) == Mounting.Libc.S_IFSOCK;
}
