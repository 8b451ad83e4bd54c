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
/// Arguments: <c>[samples]</c> (default 200; fewer make the p50 swing by half a millisecond between runs).
/// </summary>
internal static class VaultFirstPublishBenchmark
{
    private const int Objects = 5;
    private static readonly TimeSpan BackendDelay = TimeSpan.FromMilliseconds(2);

    public static async Task<int> RunAsync(string[] args)
    {
        var samples = args.Length > 0 ? int.Parse(args[0], CultureInfo.InvariantCulture) : 200;
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
            using var run = NodeRunDirectory.Create(work);
            using var driver = DriverLauncher.Start(["--endpoint", "unix://" + socket, "--state-dir", run.StateDir, "--spc-dir", classes, "--nodeid", "bench", "--metrics-addr", "127.0.0.1:0"]);
            driver.OutputDataReceived += (_, _) => { };
            driver.ErrorDataReceived += (_, e) => { if (e.Data is not null) { Console.Error.WriteLine(e.Data); } };
            driver.BeginOutputReadLine();
            driver.BeginErrorReadLine();
            using var channel = UnixSocketChannel.Create(socket);
            var client = new Node.NodeClient(channel);
            await WaitForSocketAsync(new Identity.IdentityClient(channel), driver);

            for (var i = 0; i < 50; i++)
            {
                await CycleAsync(client, work, $"warm-{i}"); // JIT, connection pool
            }

            vault.ResetAnswerTime();
            vault.TakeCalls();
            var loginsBefore = vault.Logins;
            var readsBefore = vault.Reads;
            var times = new double[samples];
            var phases = new List<Phases>(samples);
            for (var i = 0; i < samples; i++)
            {
                var (started, ended) = await CycleAsync(client, work, $"s{i}");
                times[i] = Stopwatch.GetElapsedTime(started, ended).TotalMilliseconds;
                if (Phases.Of(started, ended, vault.TakeCalls()) is { } phase)
                {
                    phases.Add(phase);
                }
            }

            var sorted = times.Order().ToArray();
            Console.WriteLine($"driver: {DriverLauncher.Description}, {Environment.ProcessorCount} cores");
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"first publish, Vault, {Objects} objects, backend answering in {BackendDelay.TotalMilliseconds:0} ms: p50 {sorted[sorted.Length / 2]:F2} ms, min {sorted[0]:F2} ms, p90 {sorted[(int)(sorted.Length * 0.9)]:F2} ms ({samples} samples, {(vault.Logins - loginsBefore) / (double)samples:0.#} login and {(vault.Reads - readsBefore) / (double)samples:0.#} reads each; the fake's 2 ms wait measured {vault.MeanAnswerMs:F2} ms on average on this machine)"));
            Console.WriteLine(Phases.Describe(phases));
            driver.Kill();
            await driver.WaitForExitAsync();
            return 0;
        }
        finally
        {
            Directory.Delete(work, recursive: true);
        }
    }

    /// <summary>Publishes as a service account Vault has not seen (so it logs in), then unpublishes; returns when the publish was sent and answered.</summary>
    private static async Task<(long Started, long Ended)> CycleAsync(Node.NodeClient client, string work, string name)
    {
        // kubelet makes the volume's folder (it keeps vol_data.json there) and names a target inside it.
        var target = Path.Combine(Directory.CreateDirectory(Path.Combine(work, "pods", name)).FullName, "mount");
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
        var ended = Stopwatch.GetTimestamp();
        await client.NodeUnpublishVolumeAsync(new NodeUnpublishVolumeRequest { VolumeId = request.VolumeId, TargetPath = target }, deadline: DateTime.UtcNow.AddSeconds(30));
        return (started, ended);
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

    /// <summary>
    /// Where one publish's time went, from what the loopback Vault saw: request sent to login arrived (gRPC, class,
    /// parameters), login answered to the first read arrived (token to reads), first to last read arrived (are the
    /// reads concurrent), last read answered to publish answered (mount, write, record, gRPC reply); and what the fake's
    /// own waits on that path took (4 ms when it keeps its word).
    /// </summary>
    private sealed record Phases(double ToLogin, double LoginToReads, double ReadSpread, double AfterReads, double Waits)
    {
        public static Phases? Of(long started, long ended, IReadOnlyList<VaultCall> calls)
        {
            var login = calls.FirstOrDefault(c => c.Login);
            var reads = calls.Where(c => !c.Login).ToList();
            if (login is null || reads.Count == 0)
            {
                return null;
            }

            return new Phases(
                Ms(started, login.Arrived),
                Ms(login.Answered, reads.Min(r => r.Arrived)),
                Ms(reads.Min(r => r.Arrived), reads.Max(r => r.Arrived)),
                Ms(reads.Max(r => r.Answered), ended),
                (login.Waited + reads.Max(r => r.Waited)).TotalMilliseconds);
        }

        public static string Describe(IReadOnlyList<Phases> phases) => phases.Count == 0
            ? "phases: no sample logged in and read"
            : string.Create(CultureInfo.InvariantCulture,
                $"phases (p50 of {phases.Count}): sent to login {Median(phases, p => p.ToLogin):F2} ms, login answered to first read {Median(phases, p => p.LoginToReads):F2} ms, " +
                $"reads arrived within {Median(phases, p => p.ReadSpread):F2} ms, last read answered to publish answered {Median(phases, p => p.AfterReads):F2} ms; " +
                $"the fake's two waits on the way (login, slowest read) {Median(phases, p => p.Waits):F2} ms");

        private static double Ms(long from, long to) => Stopwatch.GetElapsedTime(from, to).TotalMilliseconds;

        private static double Median(IReadOnlyList<Phases> phases, Func<Phases, double> figure)
        {
            var sorted = phases.Select(figure).Order().ToArray();
            return sorted[sorted.Length / 2];
        }
    }
}
