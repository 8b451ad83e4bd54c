using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using CsiDriver.Grpc;
using Grpc.Core;
using Grpc.Net.Client;
using CsiDriver.Protos.Csi.V1;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace CsiDriver.Benchmarks;

/// <summary>
/// One rotation pass over 1,000 registered volumes (5 objects each, 200 distinct objects) against the real
/// driver process. The backend is a loopback Kubernetes API in this process, read by the driver's
/// <c>kubernetes</c> provider as the pods' service accounts, adding 2 ms to every Secret read. Classes
/// (40, from <c>--spc-dir</c>) rotate hourly, so nothing is due until their refresh annotation is bumped;
/// 20 of the 200 objects change first, so half the volumes rotate. Prints the pass time (the driver's own
/// log line), backend calls (counted by the backend) against the distinct (identity, object) pairs, and
/// the driver's RSS. Usage: <c>rotation [volumes] [identities]</c>.
/// </summary>
internal static class RotationBenchmark
{
    private const string Namespace = "bench";
    private const int Objects = 200;
    private const int Classes = 40;
    private const int ObjectsPerVolume = 5;
    private static readonly string MetricsAddress = $"127.0.0.1:{FreePort()}";

    public static async Task<int> RunAsync(string[] args)
    {
        var volumes = args.Length > 0 ? int.Parse(args[0], CultureInfo.InvariantCulture) : 1000;
        var identities = args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 1;
        var work = Directory.CreateTempSubdirectory("csi-rotation-bench-").FullName;
        await using var backend = await LoopbackBackend.StartAsync(TimeSpan.FromMilliseconds(2));
        try
        {
            return await RunAsync(work, backend, volumes, identities);
        }
        finally
        {
            Directory.Delete(work, recursive: true);
        }
    }

    private static async Task<int> RunAsync(string work, LoopbackBackend backend, int volumeCount, int identities)
    {
        var classes = Directory.CreateDirectory(Path.Combine(work, "classes")).FullName;
        for (var i = 0; i < Objects; i++)
        {
            backend.Put($"obj-{i:D3}", "v1-" + new string('x', 64));
        }

        WriteClasses(classes, refresh: "0");
        var kubeconfig = Path.Combine(work, "kubeconfig");
        await File.WriteAllTextAsync(kubeconfig, backend.Kubeconfig());
        var socket = Path.Combine(work, "csi.sock");
        var passLines = new BlockingCollection<string>();
        using var run = NodeRunDirectory.Create(work);
        using var driver = StartDriver(socket, run.StateDir, classes, kubeconfig, passLines);
        using var channel = UnixSocketChannel.Create(socket);
        var client = new Node.NodeClient(channel);
        await WaitForSocketAsync(channel, driver);
        var idleRss = ReadStatus(driver.Id, "VmRSS");
        Console.WriteLine($"driver runtime at idle: {await RuntimeFiguresAsync()}");

        var targets = new string[volumeCount];
        try
        {
            return await MeasureAsync(client, driver, backend, classes, passLines, targets, work, idleRss, volumeCount, identities);
        }
        finally
        {
            // Every mount goes, whatever happened above.
            await Parallel.ForEachAsync(Enumerable.Range(0, volumeCount).Where(i => targets[i] is not null), new ParallelOptions { MaxDegreeOfParallelism = 16 }, async (i, ct) =>
                await client.NodeUnpublishVolumeAsync(new NodeUnpublishVolumeRequest { VolumeId = $"vol-{i}", TargetPath = targets[i] }, deadline: DateTime.UtcNow.AddSeconds(60), cancellationToken: ct));
            driver.Kill();
            await driver.WaitForExitAsync();
        }
    }

    private static async Task<int> MeasureAsync(
        Node.NodeClient client, Process driver, LoopbackBackend backend, string classes, BlockingCollection<string> passLines, string[] targets, string work, long idleRss, int volumeCount, int identities)
    {
        var published = Stopwatch.StartNew();
        await Parallel.ForEachAsync(Enumerable.Range(0, volumeCount), new ParallelOptions { MaxDegreeOfParallelism = 16 }, async (i, ct) =>
        {
            var target = Path.Combine(work, "pods", $"pod-{i}", "mount");
            targets[i] = target;
            await client.NodePublishVolumeAsync(PublishRequest(i, target, identities), deadline: DateTime.UtcNow.AddSeconds(60), cancellationToken: ct);
        });
        published.Stop();
        var registeredRss = ReadStatus(driver.Id, "VmRSS");

        // Distinct (identity, object) pairs the pass must read.
        var pairs = Enumerable.Range(0, volumeCount)
            .SelectMany(i => ObjectsOf(i % Classes).Select(o => (Identity: i % identities, Object: o)))
            .Distinct()
            .Count();

        for (var i = 0; i < Objects; i += 10)
        {
            backend.Put($"obj-{i:D3}", "v2-" + new string('y', 64));
        }

        while (passLines.TryTake(out _))
        {
        }

        backend.ResetCount();
        WriteClasses(classes, refresh: "1");
        string line;
        do
        {
            if (!passLines.TryTake(out line!, TimeSpan.FromSeconds(120)))
            {
                throw new TimeoutException("no rotation pass re-fetched the volumes within 120 s");
            }
        }
        while (!line.Contains($"{volumeCount} re-fetched", StringComparison.Ordinal));

        var calls = backend.Reads;
        if (Environment.GetEnvironmentVariable("CSI_BENCH_SMAPS") is { Length: > 0 } smaps)
        {
            File.Copy($"/proc/{driver.Id}/smaps", smaps, overwrite: true);
        }

        var rss = ReadStatus(driver.Id, "VmRSS");
        var peak = ReadStatus(driver.Id, "VmHWM");
        var passMs = line[(line.LastIndexOf(" in ", StringComparison.Ordinal) + 4)..].Replace(" ms", string.Empty, StringComparison.Ordinal).Trim();

        Console.WriteLine($"driver: {typeof(CsiDriver.Program).Assembly.GetName().Version}, {DriverLauncher.Description}, {Environment.ProcessorCount} cores, {System.Runtime.InteropServices.RuntimeInformation.FrameworkDescription}");
        Console.WriteLine($"setup: {volumeCount} volumes x {ObjectsPerVolume} objects, {Objects} distinct objects, {Classes} classes, {identities} identit{(identities == 1 ? "y" : "ies")}, backend +2 ms per read (loopback Kubernetes API, provider 'kubernetes')");
        Console.WriteLine($"publish: {volumeCount} volumes in {published.Elapsed.TotalSeconds:F1} s");
        Console.WriteLine($"pass:    {line[(line.IndexOf("Rotation pass:", StringComparison.Ordinal))..]}");
        Console.WriteLine($"pass time: {passMs} ms (target < 2000)");
        Console.WriteLine($"backend calls: {calls}, distinct (identity, object) pairs: {pairs} (target: equal)");
        Console.WriteLine($"driver memory after the pass: RssAnon {ReadStatus(driver.Id, "RssAnon") / 1024.0:F1} MiB, RssFile {ReadStatus(driver.Id, "RssFile") / 1024.0:F1} MiB, {ReadStatus(driver.Id, "Threads")} threads");
        Console.WriteLine($"driver runtime after the pass: {await RuntimeFiguresAsync()}");
        Console.WriteLine($"driver RSS: {idleRss / 1024.0:F1} MiB idle, {registeredRss / 1024.0:F1} MiB with {volumeCount} volumes registered, {rss / 1024.0:F1} MiB after the pass, peak {peak / 1024.0:F1} MiB (target < 80)");

        return calls == pairs ? 0 : 1;
    }

    private static int FreePort()
    {
        using var listener = new System.Net.Sockets.TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    /// <summary>The driver's own heap and JIT gauges from its /metrics, in MiB and methods.</summary>
    private static async Task<string> RuntimeFiguresAsync()
    {
        using var http = new HttpClient();
        var text = await http.GetStringAsync($"http://{MetricsAddress}/metrics");
        double Read(string name) => double.Parse(text.Split('\n').First(l => l.StartsWith(name + " ", StringComparison.Ordinal))[(name.Length + 1)..], CultureInfo.InvariantCulture);
        return $"GC heap {Read("dotnet_gc_heap_size_bytes") / 1048576:F1} MiB, GC committed {Read("dotnet_gc_committed_bytes") / 1048576:F1} MiB, " +
            $"allocated {Read("dotnet_gc_allocated_bytes") / 1048576:F0} MiB since start, JIT {Read("dotnet_jit_compiled_methods"):F0} methods";
    }

    private static IEnumerable<string> ObjectsOf(int classIndex) =>
        Enumerable.Range(0, ObjectsPerVolume).Select(j => $"obj-{(classIndex * ObjectsPerVolume) + j:D3}");

    private static void WriteClasses(string folder, string refresh)
    {
        for (var k = 0; k < Classes; k++)
        {
            var objects = string.Join("\n", ObjectsOf(k).Select(o => $"      - objectName: {o}/value"));
            var path = Path.Combine(folder, $"class-{k}.yaml");
            File.WriteAllText(path, $"""
                apiVersion: secrets-store.csi.x-k8s.io/v1
                kind: SecretProviderClass
                metadata:
                  name: class-{k}
                  namespace: {Namespace}
                  annotations:
                    secrets-store.csi.k8s.io/refresh: "{refresh}"
                spec:
                  provider: kubernetes
                  rotation:
                    interval: 1h
                  parameters:
                    objects: |
                {objects}
                """);
            File.SetLastWriteTimeUtc(path, DateTime.UtcNow.AddSeconds(refresh == "0" ? -10 : 10));
        }
    }

    private static NodePublishVolumeRequest PublishRequest(int i, string target, int identities)
    {
        var serviceAccount = $"sa-{i % identities}";
        var request = new NodePublishVolumeRequest
        {
            VolumeId = $"vol-{i}",
            TargetPath = target,
            Readonly = true,
            VolumeCapability = new VolumeCapability { Mount = new VolumeCapability.Types.MountVolume() },
        };
        request.VolumeContext.Add("secretProviderClass", $"class-{i % Classes}");
        request.VolumeContext.Add("csi.storage.k8s.io/pod.name", $"pod-{i}");
        request.VolumeContext.Add("csi.storage.k8s.io/pod.namespace", Namespace);
        request.VolumeContext.Add("csi.storage.k8s.io/pod.uid", $"uid-{i}");
        request.VolumeContext.Add("csi.storage.k8s.io/serviceAccount.name", serviceAccount);
        var expires = DateTime.UtcNow.AddHours(1).ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);
        request.Secrets.Add("csi.storage.k8s.io/serviceAccount.tokens", new JsonObject { [""] = new JsonObject { ["token"] = $"pod-token:{serviceAccount}:{i}", ["expirationTimestamp"] = expires } }.ToJsonString());
        return request;
    }

    private static Process StartDriver(string socket, string stateDir, string classes, string kubeconfig, BlockingCollection<string> passLines)
    {
        var process = DriverLauncher.Start(
        [
            "--endpoint", "unix://" + socket, "--state-dir", stateDir, "--spc-dir", classes, "--kubeconfig", kubeconfig,
            "--nodeid", "bench", "--metrics-addr", MetricsAddress, "--enable-secret-rotation", "--rotation-poll-interval", "3s",
        ]);
        process.OutputDataReceived += (_, e) =>
        {
            if (e.Data is { } data && data.Contains("Rotation pass:", StringComparison.Ordinal))
            {
                passLines.Add(data);
            }
        };
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

    private static long ReadStatus(int pid, string field)
    {
        var line = File.ReadLines($"/proc/{pid}/status").First(l => l.StartsWith(field + ":", StringComparison.Ordinal));
        return long.Parse(line.Split([' ', '\t'], StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture);
    }

    /// <summary>
    /// The backend: GET /api/v1/namespaces/bench/secrets/NAME with a pod's bearer token (a service account may
    /// read its own namespace), +delay per read; POSTs (pod status, events) are accepted and echoed.
    /// </summary>
    private sealed class LoopbackBackend : IAsyncDisposable
    {
        private readonly WebApplication _app;
        private readonly ConcurrentDictionary<string, (string Version, string Value)> _secrets = new(StringComparer.Ordinal);
        private readonly TimeSpan _delay;
        private long _version = 1;
        private int _reads;

        private LoopbackBackend(WebApplication app, TimeSpan delay)
        {
            _app = app;
            _delay = delay;
        }

        public Uri Url { get; private set; } = null!;

        public int Reads => Volatile.Read(ref _reads);

        public static async Task<LoopbackBackend> StartAsync(TimeSpan delay)
        {
            var builder = WebApplication.CreateEmptyBuilder(new WebApplicationOptions());
            builder.Logging.ClearProviders();
            builder.WebHost.UseKestrelCore().ConfigureKestrel(k => k.Listen(IPAddress.Loopback, 0));
            var app = builder.Build();
            var backend = new LoopbackBackend(app, delay);
            app.Run(backend.HandleAsync);
            await app.StartAsync();
            backend.Url = new Uri(app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First());
            return backend;
        }

        public void Put(string name, string value) => _secrets[name] = (Interlocked.Increment(ref _version).ToString(CultureInfo.InvariantCulture), value);

        public void ResetCount() => Volatile.Write(ref _reads, 0);

        public string Kubeconfig() => $"""
            apiVersion: v1
            kind: Config
            current-context: bench
            clusters:
            - name: loop
              cluster:
                server: {Url.ToString().TrimEnd('/')}
            users:
            - name: driver
              user:
                token: driver-token
            contexts:
            - name: bench
              context:
                cluster: loop
                user: driver
            """;

        public async ValueTask DisposeAsync()
        {
            await _app.StopAsync();
            await _app.DisposeAsync();
        }

        private async Task HandleAsync(HttpContext http)
        {
            var token = http.Request.Headers.Authorization.ToString();
            if (!token.StartsWith("Bearer ", StringComparison.Ordinal))
            {
                http.Response.StatusCode = 401;
                return;
            }

            var parts = http.Request.Path.Value!.Trim('/').Split('/');
            if (http.Request.Method == "GET" && parts is ["api", "v1", "namespaces", Namespace, "secrets", var name])
            {
                Interlocked.Increment(ref _reads);
                await Task.Delay(_delay);
                if (!token.StartsWith("Bearer pod-token:", StringComparison.Ordinal) || !_secrets.TryGetValue(name, out var secret))
                {
                    http.Response.StatusCode = 404;
                    return;
                }

                await WriteAsync(http, 200, new JsonObject
                {
                    ["apiVersion"] = "v1",
                    ["kind"] = "Secret",
                    ["metadata"] = new JsonObject { ["name"] = name, ["namespace"] = Namespace, ["resourceVersion"] = secret.Version },
                    ["data"] = new JsonObject { ["value"] = Convert.ToBase64String(Encoding.UTF8.GetBytes(secret.Value)) },
                });
                return;
            }

            if (http.Request.Method is "POST" or "PUT" or "PATCH")
            {
                var body = (await JsonNode.ParseAsync(http.Request.Body))!.AsObject();
                if (body["metadata"] is JsonObject meta)
                {
                    meta["resourceVersion"] = "1";
                    meta["uid"] ??= Guid.NewGuid().ToString();
                }

                await WriteAsync(http, http.Request.Method == "POST" ? 201 : 200, body);
                return;
            }

            http.Response.StatusCode = 404;
        }

        private static async Task WriteAsync(HttpContext http, int status, JsonObject body)
        {
            http.Response.StatusCode = status;
            http.Response.ContentType = "application/json";
            await http.Response.WriteAsync(body.ToJsonString());
        }
    }
}
