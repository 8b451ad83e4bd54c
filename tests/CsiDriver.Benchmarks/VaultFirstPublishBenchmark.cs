using CsiDriver.Benchmarks.Loopback;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Text.Json.Nodes;
using CsiDriver.Grpc;
using Grpc.Core;
using CsiDriver.Protos.Csi.V1;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;

namespace CsiDriver.Benchmarks;

/// <summary>
/// "First publish, Vault, 5 objects, backend answering in 2 ms": the real driver process publishes a volume of five
/// KV v2 objects from a loopback Vault in this process that answers every call after 2 ms. Each sample uses a new
/// service account, so it pays what a new pod pays: one Kubernetes-auth login plus the reads (nothing cached).
/// Arguments: <c>[samples]</c> (default 40).
/// </summary>
internal static class VaultFirstPublishBenchmark
{
    private const int Objects = 5;
    private static readonly TimeSpan BackendDelay = TimeSpan.FromMilliseconds(2);

    public static async Task<int> RunAsync(string[] args)
    {
        var samples = args.Length > 0 ? int.Parse(args[0], CultureInfo.InvariantCulture) : 40;
        var work = Directory.CreateTempSubdirectory("csi-bench-vault-").FullName;
        try
        {
            await using var vault = await LoopbackVault.StartAsync(BackendDelay);
            var classes = Directory.CreateDirectory(Path.Combine(work, "classes")).FullName;
            var objects = string.Join("\n", Enumerable.Range(1, Objects).Select(i => $"""
                      - objectName: obj{i}
                        secretPath: secret/data/bench/obj{i}
                        secretKey: value
                """));
            await File.WriteAllTextAsync(Path.Combine(classes, "bench-vault.yaml"), $"""
                apiVersion: secrets-store.csi.x-k8s.io/v1
                kind: SecretProviderClass
                metadata:
                  name: bench-vault
                spec:
                  provider: vault
                  parameters:
                    vaultAddress: "{vault.Address}"
                    roleName: bench
                    objects: |
                {objects}
                """);

            var socket = Path.Combine(work, "csi.sock");
            using var driver = DriverLauncher.Start(["--endpoint", "unix://" + socket, "--state-dir", Path.Combine(work, "state"), "--spc-dir", classes, "--nodeid", "bench", "--metrics-addr", "127.0.0.1:0"]);
            driver.OutputDataReceived += (_, _) => { };
            driver.ErrorDataReceived += (_, e) => { if (e.Data is not null) { Console.Error.WriteLine(e.Data); } };
            driver.BeginOutputReadLine();
            driver.BeginErrorReadLine();
            using var channel = UnixSocketChannel.Create(socket);
            var client = new Node.NodeClient(channel);
            await WaitForSocketAsync(new Identity.IdentityClient(channel), driver);

            for (var i = 0; i < 10; i++)
            {
                await CycleAsync(client, work, $"warm-{i}"); // JIT, connection pool
            }

            vault.ResetAnswerTime();
            var loginsBefore = vault.Logins;
            var readsBefore = vault.Reads;
            var times = new double[samples];
            for (var i = 0; i < samples; i++)
            {
                times[i] = await CycleAsync(client, work, $"s{i}");
            }

            var sorted = times.Order().ToArray();
            Console.WriteLine($"driver: {DriverLauncher.Description}, {Environment.ProcessorCount} cores");
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"first publish, Vault, {Objects} objects, backend answering in {BackendDelay.TotalMilliseconds:0} ms: p50 {sorted[sorted.Length / 2]:F2} ms, min {sorted[0]:F2} ms, p90 {sorted[(int)(sorted.Length * 0.9)]:F2} ms ({samples} samples, {(vault.Logins - loginsBefore) / (double)samples:0.#} login and {(vault.Reads - readsBefore) / (double)samples:0.#} reads each; the fake's 2 ms wait measured {vault.MeanAnswerMs:F2} ms on average on this machine)"));
            driver.Kill();
            await driver.WaitForExitAsync();
            return 0;
        }
        finally
        {
            Directory.Delete(work, recursive: true);
        }
    }

    /// <summary>Publishes as a service account Vault has not seen (so it logs in), then unpublishes; returns the publish time in ms.</summary>
    private static async Task<double> CycleAsync(Node.NodeClient client, string work, string name)
    {
        var target = Path.Combine(work, "pods", name, "mount");
        var request = new NodePublishVolumeRequest
        {
            VolumeId = "vol-" + name,
            TargetPath = target,
            Readonly = true,
            VolumeCapability = new VolumeCapability { Mount = new VolumeCapability.Types.MountVolume() },
        };
        var expires = DateTime.UtcNow.AddHours(1).ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);
        request.VolumeContext.Add("secretProviderClass", "bench-vault");
        request.VolumeContext.Add("csi.storage.k8s.io/pod.name", "pod-" + name);
        request.VolumeContext.Add("csi.storage.k8s.io/pod.namespace", "default");
        request.VolumeContext.Add("csi.storage.k8s.io/pod.uid", "uid-" + name);
        request.VolumeContext.Add("csi.storage.k8s.io/serviceAccount.name", "sa-" + name);
        request.VolumeContext.Add("csi.storage.k8s.io/serviceAccount.tokens", new JsonObject { ["vault"] = new JsonObject { ["token"] = "jwt-" + name, ["expirationTimestamp"] = expires } }.ToJsonString());

        var started = Stopwatch.GetTimestamp();
        await client.NodePublishVolumeAsync(request, deadline: DateTime.UtcNow.AddSeconds(30));
        var elapsed = Stopwatch.GetElapsedTime(started).TotalMilliseconds;
        await client.NodeUnpublishVolumeAsync(new NodeUnpublishVolumeRequest { VolumeId = request.VolumeId, TargetPath = target }, deadline: DateTime.UtcNow.AddSeconds(30));
        return elapsed;
    }

    private static async Task WaitForSocketAsync(Identity.IdentityClient client, Process driver)
    {
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (true)
        {
            try
            {
                await client.ProbeAsync(new ProbeRequest(), deadline: DateTime.UtcNow.AddSeconds(2));
                return;
            }
            catch (RpcException) when (DateTime.UtcNow < deadline && !driver.HasExited)
            {
                await Task.Delay(50);
            }
        }
    }
}
