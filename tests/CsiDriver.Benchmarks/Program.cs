using System.Diagnostics;
using System.Globalization;
using CsiDriver.Grpc;
using Grpc.Core;
using Grpc.Net.Client;
using CsiDriver.Protos.Csi.V1;

namespace CsiDriver.Benchmarks;

/// <summary>
/// Publish+unpublish cycles against the real driver process over its socket (local provider,
/// 5 objects of 1 KiB), at concurrency 1 and 16. Prints latency percentiles, cycles per second
/// and the driver's RSS, for comparison between commits. With the argument <c>rotation</c>: one rotation
/// pass over 1,000 volumes (see <see cref="RotationBenchmark"/>); with <c>controller-sync</c>: the External
/// Secrets controller's first full sync and steady state (see <see cref="ControllerSyncBenchmark"/>); with
/// <c>vault-first-publish</c>: see <see cref="VaultFirstPublishBenchmark"/>; with <c>binary-composition</c>: what the
/// native executable is made of (see <see cref="BinaryComposition"/>).
/// </summary>
public static class Program
{
    public static async Task<int> Main(string[] args)
    {
        if (args is ["vault-first-publish", ..]) { return await VaultFirstPublishBenchmark.RunAsync(args[1..]); }
        if (args is ["binary-composition", ..]) { return BinaryComposition.Run(args[1..]); }
        if (args.Length > 0 && args[0] == "rotation")
        {
            return await RotationBenchmark.RunAsync(args.Skip(1).ToArray());
        }

        if (args.Length > 0 && args[0] == "controller-sync")
        {
            return await ControllerSyncBenchmark.RunAsync(args.Skip(1).ToArray());
        }

        var cycles1 = args.Length > 0 ? int.Parse(args[0], CultureInfo.InvariantCulture) : 2000;
        var cycles16 = args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 8000;
        var work = Directory.CreateTempSubdirectory("csi-bench-").FullName;
        try
        {
            return await RunAsync(work, cycles1, cycles16);
        }
        finally
        {
            Directory.Delete(work, recursive: true);
        }
    }

    private static async Task<int> RunAsync(string work, int cycles1, int cycles16)
    {
        var store = Directory.CreateDirectory(Path.Combine(work, "store")).FullName;
        var storeDefault = Directory.CreateDirectory(Path.Combine(store, "default")).FullName;
        var classes = Directory.CreateDirectory(Path.Combine(work, "classes")).FullName;
        var objects = string.Join("\n", Enumerable.Range(1, 5).Select(i => $"      - objectName: obj{i}"));
        for (var i = 1; i <= 5; i++)
        {
            await File.WriteAllBytesAsync(Path.Combine(storeDefault, $"obj{i}"), Enumerable.Repeat((byte)('a' + i), 1024).ToArray());
        }

        await File.WriteAllTextAsync(Path.Combine(classes, "bench.yaml"), $"""
            apiVersion: secrets-store.csi.x-k8s.io/v1
            kind: SecretProviderClass
            metadata:
              name: bench
            spec:
              provider: local
              parameters:
                objects: |
            {objects}
            """);

        var socket = Path.Combine(work, "csi.sock");
        using var run = NodeRunDirectory.Create(work);
        using var driver = StartDriver(socket, run.StateDir, classes, store);
        await using var rss = new RssSampler(driver.Id);
        using var channel = UnixSocketChannel.Create(socket);
        var client = new Node.NodeClient(channel);
        var identity = new Identity.IdentityClient(channel);
        await WaitForSocketAsync(channel, driver);
        var idleRss = ReadStatus(driver.Id, "VmRSS");

        rss.Enter("warm-up");
        await RunCyclesAsync(client, work, concurrency: 4, totalCycles: 400); // warm-up: JIT, pools
        rss.Enter("concurrency 1");
        var serial = await RunCyclesAsync(client, work, concurrency: 1, totalCycles: cycles1);
        rss.Enter("concurrency 16");
        var parallel = await RunCyclesAsync(client, work, concurrency: 16, totalCycles: cycles16);
        var peakRss = ReadStatus(driver.Id, "VmHWM");
        var peakBreakdown = await rss.StopAsync();

        Console.WriteLine($"driver: {typeof(CsiDriver.Program).Assembly.GetName().Version}, {DriverLauncher.Description}, {Environment.ProcessorCount} cores, {RuntimeDescription()}");
        Console.WriteLine("scenario          cycles  publish p50  publish p99  unpublish p50  unpublish p99  cycles/s");
        Print("concurrency 1", serial);
        Print("concurrency 16", parallel);
        Console.WriteLine($"driver RSS: idle {idleRss / 1024.0:F1} MiB, peak {peakRss / 1024.0:F1} MiB");
        Console.WriteLine(peakBreakdown);
        await FloorComparison.RunAsync(work, cycles1, driver.Id, n => RunCyclesAsync(client, work, concurrency: 1, totalCycles: n), async () => await identity.ProbeAsync(new ProbeRequest(), deadline: DateTime.UtcNow.AddSeconds(5)), [
            new("concurrency 1", serial.Publish, serial.Unpublish, serial.CyclesPerSecond),
            new("concurrency 16", parallel.Publish, parallel.Unpublish, parallel.CyclesPerSecond)]);

        driver.Kill();
        await driver.WaitForExitAsync();
        return 0;
    }

    private static Process StartDriver(string socket, string state, string classes, string store)
    {
        var process = DriverLauncher.Start(["--endpoint", "unix://" + socket, "--state-dir", state, "--spc-dir", classes, "--local-store-root", store, "--nodeid", "bench", "--metrics-addr", "127.0.0.1:0"]);
        process.OutputDataReceived += (_, _) => { };
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) { Console.Error.WriteLine(e.Data); } };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return process;
    }

    private static async Task WaitForSocketAsync(GrpcChannel channel, Process driver)
    {
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (true)
        {
            try
            {
                await new Identity.IdentityClient(channel).ProbeAsync(new ProbeRequest(), deadline: DateTime.UtcNow.AddSeconds(2));
                return;
            }
            catch (RpcException) when (DateTime.UtcNow < deadline && !driver.HasExited)
            {
                await Task.Delay(50);
            }
        }
    }

    private static async Task<Result> RunCyclesAsync(Node.NodeClient client, string work, int concurrency, int totalCycles)
    {
        var publish = new double[totalCycles];
        var unpublish = new double[totalCycles];
        var next = -1;
        var clock = Stopwatch.StartNew();
        await Task.WhenAll(Enumerable.Range(0, concurrency).Select(worker => Task.Run(async () =>
        {
            var target = Path.Combine(work, "pods", $"w{worker}-c{concurrency}", "mount");
            var request = PublishRequest(target, $"vol-{worker}-{concurrency}");
            var unpublishRequest = new NodeUnpublishVolumeRequest { VolumeId = request.VolumeId, TargetPath = target };
            int i;
            while ((i = Interlocked.Increment(ref next)) < totalCycles)
            {
                var t0 = Stopwatch.GetTimestamp();
                await client.NodePublishVolumeAsync(request, deadline: DateTime.UtcNow.AddSeconds(30));
                var t1 = Stopwatch.GetTimestamp();
                await client.NodeUnpublishVolumeAsync(unpublishRequest, deadline: DateTime.UtcNow.AddSeconds(30));
                var t2 = Stopwatch.GetTimestamp();
                publish[i] = Stopwatch.GetElapsedTime(t0, t1).TotalMilliseconds;
                unpublish[i] = Stopwatch.GetElapsedTime(t1, t2).TotalMilliseconds;
            }
        })));
        clock.Stop();
        return new Result(totalCycles, publish, unpublish, totalCycles / clock.Elapsed.TotalSeconds);
    }

    private static NodePublishVolumeRequest PublishRequest(string target, string volumeId)
    {
        var request = new NodePublishVolumeRequest
        {
            VolumeId = volumeId,
            TargetPath = target,
            Readonly = true,
            VolumeCapability = new VolumeCapability { Mount = new VolumeCapability.Types.MountVolume() },
        };
        request.VolumeContext.Add("secretProviderClass", "bench");
        request.VolumeContext.Add("csi.storage.k8s.io/pod.name", "bench-pod");
        request.VolumeContext.Add("csi.storage.k8s.io/pod.namespace", "default");
        request.VolumeContext.Add("csi.storage.k8s.io/pod.uid", volumeId);
        return request;
    }

    private static void Print(string name, Result r) =>
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{name,-16} {r.Cycles,7}  {Percentile(r.Publish, 0.50),8:F3} ms  {Percentile(r.Publish, 0.99),8:F3} ms  {Percentile(r.Unpublish, 0.50),10:F3} ms  {Percentile(r.Unpublish, 0.99),10:F3} ms  {r.CyclesPerSecond,8:F0}"));

    private static double Percentile(double[] values, double p)
    {
        var sorted = values.Order().ToArray();
        return sorted[Math.Min(sorted.Length - 1, (int)Math.Ceiling(p * sorted.Length) - 1)];
    }

    /// <summary>A field of /proc/PID/status in KiB (VmRSS now, VmHWM peak).</summary>
    private static long ReadStatus(int pid, string field)
    {
        var line = File.ReadLines($"/proc/{pid}/status").First(l => l.StartsWith(field + ":", StringComparison.Ordinal));
        return long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture);
    }

    private static string RuntimeDescription() => System.Runtime.InteropServices.RuntimeInformation.FrameworkDescription;

    private sealed record Result(int Cycles, double[] Publish, double[] Unpublish, double CyclesPerSecond);
}
