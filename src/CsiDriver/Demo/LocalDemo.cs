using CsiDriver.Grpc;
using CsiDriver.Hosting;
using CsiDriver.Mounting;
using CsiDriver.Protos.Csi.V1;

namespace CsiDriver.Demo;

/// <summary>
/// The README's first command: starts the real driver on a temporary socket with the embedded
/// defaults (a class folder and the local provider) and plays kubelet against it over gRPC.
/// </summary>
internal static class LocalDemo
{
    private const string ClassManifest = """
        apiVersion: secrets-store.csi.x-k8s.io/v1
        kind: SecretProviderClass
        metadata:
          name: demo-app
          namespace: default
        spec:
          provider: local
          parameters:
            objects: |
              - objectName: db/username
              - objectName: db/password
                filePermission: "0440"
              - objectName: api-key
                objectAlias: config/api-key
        """;

    public static async Task<int> RunAsync(TextWriter output, CancellationToken cancellationToken)
    {
        if (Libc.Geteuid() != 0)
        {
            await output.WriteLineAsync("The demo mounts a real tmpfs, which needs root: run it with sudo (or as root in a container).").ConfigureAwait(false);
            return 1;
        }

        var workDir = Directory.CreateTempSubdirectory("csi-demo-").FullName;
        var spcDir = Directory.CreateDirectory(Path.Combine(workDir, "classes")).FullName;
        var storeRoot = Directory.CreateDirectory(Path.Combine(workDir, "store")).FullName;

        // The local store is split by namespace: pods in "default" read store/default/ only.
        var store = Directory.CreateDirectory(Path.Combine(storeRoot, "default")).FullName;
        var target = Path.Combine(workDir, "pods", "0000-demo-pod", "volumes", "kubernetes.io~csi", "secrets", "mount");
        await File.WriteAllTextAsync(Path.Combine(spcDir, "demo-app.yaml"), ClassManifest, cancellationToken).ConfigureAwait(false);
        Directory.CreateDirectory(Path.Combine(store, "db"));
        await File.WriteAllTextAsync(Path.Combine(store, "db", "username"), "app_user", cancellationToken).ConfigureAwait(false);
        await File.WriteAllTextAsync(Path.Combine(store, "db", "password"), "demo-password-v1", cancellationToken).ConfigureAwait(false);
        await File.WriteAllTextAsync(Path.Combine(store, "api-key"), "demo-api-key", cancellationToken).ConfigureAwait(false);

        var options = new DriverOptions
        {
            Endpoint = "unix://" + Path.Combine(workDir, "csi.sock"),
            NodeId = "demo-node",
            StateDir = Path.Combine(workDir, "state"),
            SpcDir = spcDir,
            LocalStoreRoot = storeRoot,
            MetricsAddr = string.Empty,
        };

        await output.WriteLineAsync($"Working folder: {workDir}").ConfigureAwait(false);
        await using var host = await DriverHost.StartAsync(options, logging => logging.AddSimpleConsole(o => o.SingleLine = true), cancellationToken: cancellationToken).ConfigureAwait(false);
        using var channel = UnixSocketChannel.Create(host.SocketPath);
        var identity = new Identity.IdentityClient(channel);
        var node = new Node.NodeClient(channel);

        var info = await identity.GetPluginInfoAsync(new GetPluginInfoRequest(), deadline: DeadlineIn(5), cancellationToken: cancellationToken).ConfigureAwait(false);
        await output.WriteLineAsync($"\n== kubelet: GetPluginInfo -> {info.Name} {info.VendorVersion}").ConfigureAwait(false);

        var publish = new NodePublishVolumeRequest
        {
            VolumeId = "csi-demo-volume",
            TargetPath = target,
            Readonly = true,
            VolumeCapability = new VolumeCapability
            {
                Mount = new VolumeCapability.Types.MountVolume(),
                AccessMode = new VolumeCapability.Types.AccessMode { Mode = VolumeCapability.Types.AccessMode.Types.Mode.SingleNodeReaderOnly },
            },
        };
        publish.VolumeContext.Add(new Dictionary<string, string>
        {
            ["secretProviderClass"] = "demo-app",
            ["csi.storage.k8s.io/pod.name"] = "demo-pod",
            ["csi.storage.k8s.io/pod.namespace"] = "default",
            ["csi.storage.k8s.io/pod.uid"] = "0000-demo-pod",
            ["csi.storage.k8s.io/serviceAccount.name"] = "default",
            ["csi.storage.k8s.io/ephemeral"] = "true",
        });

        await output.WriteLineAsync("\n== kubelet: NodePublishVolume (class default/demo-app, provider local)").ConfigureAwait(false);
        await node.NodePublishVolumeAsync(publish, deadline: DeadlineIn(30), cancellationToken: cancellationToken).ConfigureAwait(false);
        await ShowVolumeAsync(output, target).ConfigureAwait(false);

        await output.WriteLineAsync("\n== the store rotates db/password; kubelet republishes (requiresRepublish)").ConfigureAwait(false);
        await File.WriteAllTextAsync(Path.Combine(store, "db", "password"), "demo-password-v2", cancellationToken).ConfigureAwait(false);
        await node.NodePublishVolumeAsync(publish, deadline: DeadlineIn(30), cancellationToken: cancellationToken).ConfigureAwait(false);
        await ShowVolumeAsync(output, target).ConfigureAwait(false);

        await output.WriteLineAsync("\n== kubelet: NodeUnpublishVolume").ConfigureAwait(false);
        await node.NodeUnpublishVolumeAsync(
            new NodeUnpublishVolumeRequest { VolumeId = publish.VolumeId, TargetPath = target },
            deadline: DeadlineIn(30),
            cancellationToken: cancellationToken).ConfigureAwait(false);
        await output.WriteLineAsync($"target exists: {Directory.Exists(target)}; tmpfs mounted: {MountTable.IsMountPoint(target)}").ConfigureAwait(false);

        await host.StopAsync().ConfigureAwait(false);
        Directory.Delete(workDir, recursive: true);
        await output.WriteLineAsync("\nDemo finished.").ConfigureAwait(false);
        return 0;
    }

    // The demo plays kubelet against the wall clock, as kubelet does.
    private static DateTime DeadlineIn(int seconds) => DateTime.UtcNow.AddSeconds(seconds);

    private static async Task ShowVolumeAsync(TextWriter output, string target)
    {
        await output.WriteLineAsync($"{target}  [{MountTable.Find(target)} mount]").ConfigureAwait(false);
        foreach (var entry in new DirectoryInfo(target).EnumerateFileSystemInfos().OrderBy(e => e.Name, StringComparer.Ordinal))
        {
            await output.WriteLineAsync($"  {entry.Name}{(entry.LinkTarget is { } link ? " -> " + link : string.Empty)}").ConfigureAwait(false);
        }

        foreach (var file in new[] { "db/username", "db/password", "config/api-key" })
        {
            var path = Path.Combine(target, file);
            var mode = File.GetUnixFileMode(new FileInfo(path).ResolveLinkTarget(true)?.FullName ?? path);
            await output.WriteLineAsync($"  {file,-16} mode {Convert.ToString((int)mode, 8).PadLeft(4, '0')}  \"{await File.ReadAllTextAsync(path).ConfigureAwait(false)}\"").ConfigureAwait(false);
        }
    }
}
