using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using CsiDriver.Benchmarks.Loopback;

namespace CsiDriver.Benchmarks;

/// <summary>
/// The External Secrets controller as a real process (<c>csi-secrets-store controller</c>) against a loopback
/// Kubernetes API server and a loopback Vault that answers every call after a fixed delay. N ExternalSecrets in M
/// namespaces read K distinct Vault keys through one ClusterSecretStore (token auth). Prints the time to the first full
/// sync (every target Secret written and every ExternalSecret Ready), then, over two refresh intervals of steady state
/// with nothing changing, Vault reads and API calls per interval, and the controller's RSS.
/// With backend <c>aws</c>, the store is AWS Secrets Manager (access keys from a Secret) on loopback instead of Vault.
/// Usage: <c>controller-sync [externalsecrets=10000] [namespaces=100] [keys=1000] [refresh-seconds=30] [backend-ms=2] [vault|aws]</c>.
/// </summary>
internal static class ControllerSyncBenchmark
{
    private const string SystemNamespace = "es-system";

    public static async Task<int> RunAsync(string[] args)
    {
        var count = Arg(args, 0, 10_000);
        var namespaces = Arg(args, 1, 100);
        var keys = Arg(args, 2, 1_000);
        var refresh = TimeSpan.FromSeconds(Arg(args, 3, 30));
        var backendDelay = TimeSpan.FromMilliseconds(Arg(args, 4, 2));
        var aws = args.Length > 5 && args[5] == "aws";
        var work = Directory.CreateTempSubdirectory("csi-controller-bench-").FullName;
        await using var backend = aws ? (IBackend)await AwsBackend.StartAsync(backendDelay) : await VaultBackend.StartAsync(backendDelay);
        await using var api = await LoopbackKubeApi.StartAsync();
        Seed(api, backend, count, namespaces, keys, refresh);
        try
        {
            var kubeconfig = Path.Combine(work, "kubeconfig");
            await File.WriteAllTextAsync(kubeconfig, api.Kubeconfig());
            var metrics = $"127.0.0.1:{LoopbackServer.FreePort()}";
            var errors = new StringBuilder();
            var clock = Stopwatch.StartNew();
            // CSI_BENCH_CONTROLLER_ARGS adds flags (e.g. "-v=5" or "--concurrent=8") to the controller's command line.
            var extra = (Environment.GetEnvironmentVariable("CSI_BENCH_CONTROLLER_ARGS") ?? string.Empty).Split(' ', StringSplitOptions.RemoveEmptyEntries);
            backend.Expose();
            // The controller Deployment's runtime setting on top of the image's (deploy/components/external-secrets/deployment.yaml).
            Environment.SetEnvironmentVariable("DOTNET_GCConserveMemory", "7");
            using var controller = DriverLauncher.Start(["controller", "--kubeconfig", kubeconfig, "--metrics-addr", metrics, "--leader-election-namespace", SystemNamespace, .. extra]);
            // CSI_BENCH_CONTROLLER_LOG=FILE keeps the controller's whole output, for looking into a surprising figure.
            using var log = Environment.GetEnvironmentVariable("CSI_BENCH_CONTROLLER_LOG") is { Length: > 0 } logPath ? TextWriter.Synchronized(new StreamWriter(logPath)) : null;
            controller.OutputDataReceived += (_, e) => log?.WriteLine(e.Data);
            controller.ErrorDataReceived += (_, e) =>
            {
                log?.WriteLine(e.Data);
                if (e.Data is not null && errors.Length < 4096)
                {
                    errors.AppendLine(e.Data);
                }
            };
            controller.BeginOutputReadLine();
            controller.BeginErrorReadLine();

            var readyMs = await WaitAsync(controller, TimeSpan.FromMinutes(2), clock, async () => await IsReadyAsync(metrics));
            var syncedMs = await WaitAsync(controller, TimeSpan.FromMinutes(5), clock, () => Task.FromResult(
                api.Count("secrets", s => s["metadata"]?["labels"]?["reconcile.external-secrets.io/managed"] is not null) == count &&
                api.Count("externalsecrets", IsReady) == count));
            if (readyMs < 0 || syncedMs < 0)
            {
                Console.Error.WriteLine($"the controller did not {(readyMs < 0 ? "become ready" : "sync every ExternalSecret")} in time ({api.Count("externalsecrets", IsReady)} of {count} Ready); its stderr:\n{errors}");
                return 1;
            }

            var syncReads = backend.Reads;
            var syncCalls = api.Calls();
            var syncRss = ReadStatus(controller.Id, "VmRSS");

            // Steady state: two refresh intervals (plus the queue's 10% jitter) in which nothing changes.
            backend.ResetPerKey();
            var steadyStart = clock.Elapsed;
            await Task.Delay(refresh * 2.2);
            var intervals = (clock.Elapsed - steadyStart) / refresh;
            var steadyReads = backend.Reads - syncReads;
            var steadyCalls = Diff(api.Calls(), syncCalls);
            var rss = ReadStatus(controller.Id, "VmRSS");
            var peak = ReadStatus(controller.Id, "VmHWM");

            Console.WriteLine($"controller: {typeof(CsiDriver.Program).Assembly.GetName().Version}, {DriverLauncher.Description}, {Environment.ProcessorCount} cores");
            Console.WriteLine($"setup: {count} ExternalSecrets in {namespaces} namespaces reading {keys} distinct {backend.Name} keys through one ClusterSecretStore; refreshInterval {refresh.TotalSeconds:0}s; the backend answers after {backendDelay.TotalMilliseconds:0} ms");
            Console.WriteLine($"start to /readyz (caches synced):          {readyMs / 1000:F1} s");
            Console.WriteLine($"start to first full sync:                  {syncedMs / 1000:F1} s   (target <= 30 s)  {count} Secrets written, {count} Ready");
            Console.WriteLine($"  backend calls during the first sync:     {syncReads}   (floor: {keys} distinct keys) {backend.Breakdown}");
            Console.WriteLine($"  API calls during the first sync:         {Format(syncCalls)}");
            Console.WriteLine($"steady state over {intervals:F2} refresh intervals, nothing changed:");
            Console.WriteLine($"  backend calls per interval:              {steadyReads / intervals:F0}   (target = distinct keys, {keys}; {backend.DistinctRead} distinct keys read)");
            Console.WriteLine($"  API writes per interval (no leases):     {Writes(steadyCalls, leases: false) / intervals:F0}   (target 0)");
            Console.WriteLine($"  API reads per interval:                  {Reads(steadyCalls) / intervals:F0}");
            Console.WriteLine($"  leader lease writes per interval:        {Writes(steadyCalls, leases: true) / intervals:F0}");
            Console.WriteLine($"  API calls:                               {Format(steadyCalls)}");
            Console.WriteLine($"controller RSS: after first sync {syncRss / 1024.0:F1} MiB, steady {rss / 1024.0:F1} MiB, peak {peak / 1024.0:F1} MiB   (target <= 120 MiB)");
            controller.Kill();
            await controller.WaitForExitAsync();
            return 0;
        }
        finally
        {
            Directory.Delete(work, recursive: true);
        }
    }

    private static void Seed(LoopbackKubeApi api, IBackend backend, int count, int namespaces, int keys, TimeSpan refresh)
    {
        api.Seed("secrets", SystemNamespace, new JsonObject
        {
            ["apiVersion"] = "v1",
            ["kind"] = "Secret",
            ["metadata"] = new JsonObject { ["name"] = "backend-credentials", ["namespace"] = SystemNamespace },
            ["data"] = new JsonObject(backend.Credentials.Select(c => KeyValuePair.Create(c.Key, (JsonNode?)Convert.ToBase64String(Encoding.UTF8.GetBytes(c.Value))))),
        });
        api.Seed("clustersecretstores", string.Empty, new JsonObject
        {
            ["apiVersion"] = "external-secrets.io/v1",
            ["kind"] = "ClusterSecretStore",
            ["metadata"] = new JsonObject { ["name"] = "vault" },
            ["spec"] = new JsonObject
            {
                ["provider"] = backend.StoreProvider(SystemNamespace, "backend-credentials"),
            },
        });
        for (var i = 0; i < count; i++)
        {
            var ns = $"ns-{i % namespaces}";
            api.Seed("externalsecrets", ns, new JsonObject
            {
                ["apiVersion"] = "external-secrets.io/v1",
                ["kind"] = "ExternalSecret",
                ["metadata"] = new JsonObject { ["name"] = $"es-{i}", ["namespace"] = ns, ["labels"] = new JsonObject { ["app"] = "bench" } },
                ["spec"] = new JsonObject
                {
                    ["refreshInterval"] = $"{refresh.TotalSeconds:0}s",
                    ["secretStoreRef"] = new JsonObject { ["name"] = "vault", ["kind"] = "ClusterSecretStore" },
                    ["target"] = new JsonObject { ["name"] = $"secret-{i}" },
                    ["data"] = new JsonArray(new JsonObject { ["secretKey"] = "value", ["remoteRef"] = new JsonObject { ["key"] = $"app/key-{i % keys}" } }),
                },
            });
        }
    }

    private static bool IsReady(JsonObject es) =>
        es["status"]?["conditions"] is JsonArray conditions &&
        conditions.Any(c => (string?)c?["type"] == "Ready" && (string?)c?["status"] == "True");

    /// <summary>Milliseconds from <paramref name="clock"/>'s start until <paramref name="condition"/> holds, or -1 on timeout or exit.</summary>
    private static async Task<double> WaitAsync(Process controller, TimeSpan timeout, Stopwatch clock, Func<Task<bool>> condition)
    {
        var deadline = clock.Elapsed + timeout;
        while (clock.Elapsed < deadline && !controller.HasExited)
        {
            if (await condition())
            {
                return clock.Elapsed.TotalMilliseconds;
            }

            await Task.Delay(50);
        }

        return -1;
    }

    private static async Task<bool> IsReadyAsync(string metrics)
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(2) };
        try
        {
            using var ready = await http.GetAsync($"http://{metrics}/readyz");
            return ready.StatusCode == HttpStatusCode.OK;
        }
        catch (HttpRequestException)
        {
            return false; // not listening yet
        }
    }

    private static Dictionary<string, int> Diff(IReadOnlyDictionary<string, int> now, IReadOnlyDictionary<string, int> before) =>
        now.Select(c => (c.Key, Count: c.Value - before.GetValueOrDefault(c.Key))).Where(c => c.Count > 0).ToDictionary(c => c.Key, c => c.Count);

    private static bool IsRead(string call) => call.StartsWith("get ", StringComparison.Ordinal) || call.StartsWith("list ", StringComparison.Ordinal) || call.StartsWith("watch ", StringComparison.Ordinal);

    private static int Reads(IReadOnlyDictionary<string, int> calls) => calls.Where(c => IsRead(c.Key)).Sum(c => c.Value);

    private static int Writes(IReadOnlyDictionary<string, int> calls, bool leases) =>
        calls.Where(c => !IsRead(c.Key) && c.Key.EndsWith(" leases", StringComparison.Ordinal) == leases).Sum(c => c.Value);

    private static string Format(IReadOnlyDictionary<string, int> calls) =>
        calls.Count == 0 ? "none" : string.Join(", ", calls.OrderByDescending(c => c.Value).Select(c => $"{c.Key} {c.Value}"));

    private static int Arg(string[] args, int index, int fallback) =>
        args.Length > index ? int.Parse(args[index], CultureInfo.InvariantCulture) : fallback;

    private static long ReadStatus(int pid, string field)
    {
        var line = File.ReadLines($"/proc/{pid}/status").First(l => l.StartsWith(field + ":", StringComparison.Ordinal));
        return long.Parse(line.Split([' ', '\t'], StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture);
    }

    /// <summary>The store backend of one run: its loopback server, the store block that reaches it, and its counters.</summary>
    private interface IBackend : IAsyncDisposable
    {
        string Name { get; }

        /// <summary>Value reads (backend calls that return values) so far.</summary>
        int Reads { get; }

        int DistinctRead { get; }

        string Breakdown { get; }

        IReadOnlyDictionary<string, string> Credentials { get; }

        JsonObject StoreProvider(string credentialsNamespace, string credentialsSecret);

        /// <summary>Points the controller (a child process, which inherits the environment) at the backend where it needs more than the store block.</summary>
        void Expose();

        void ResetPerKey();
    }

    private sealed class VaultBackend(LoopbackVault vault) : IBackend
    {
        public string Name => "Vault KV v2";

        public int Reads => vault.Reads;

        public int DistinctRead => vault.DistinctPathsRead;

        public string Breakdown => $"(Vault answered in {vault.MeanAnswerMs:F2} ms on average)";

        public IReadOnlyDictionary<string, string> Credentials { get; } = new Dictionary<string, string> { ["token"] = LoopbackVault.StaticToken };

        public static async Task<VaultBackend> StartAsync(TimeSpan delay) => new(await LoopbackVault.StartAsync(delay));

        public JsonObject StoreProvider(string credentialsNamespace, string credentialsSecret) => new()
        {
            ["vault"] = new JsonObject
            {
                ["server"] = vault.Address.ToString().TrimEnd('/'),
                ["path"] = "secret",
                ["version"] = "v2",
                ["auth"] = new JsonObject
                {
                    ["tokenSecretRef"] = new JsonObject { ["name"] = credentialsSecret, ["namespace"] = credentialsNamespace, ["key"] = "token" },
                },
            },
        };

        public void Expose()
        {
        }

        public void ResetPerKey() => vault.ResetPerPath();

        public ValueTask DisposeAsync() => vault.DisposeAsync();
    }

    private sealed class AwsBackend(LoopbackSecretsManager aws) : IBackend
    {
        public string Name => "AWS Secrets Manager";

        public int Reads => aws.TotalCalls;

        public int DistinctRead => aws.DistinctSecretsRead;

        public string Breakdown => "(the whole run: " + string.Join(", ", aws.Calls.Select(c => $"{c.Key} {c.Value}")) + ")";

        public IReadOnlyDictionary<string, string> Credentials { get; } = new Dictionary<string, string>
        {
            ["access-key"] = LoopbackSecretsManager.AccessKeyId,
            ["secret-access-key"] = LoopbackSecretsManager.SecretAccessKey,
        };

        public static async Task<AwsBackend> StartAsync(TimeSpan delay) => new(await LoopbackSecretsManager.StartAsync(delay));

        public JsonObject StoreProvider(string credentialsNamespace, string credentialsSecret) => new()
        {
            ["aws"] = new JsonObject
            {
                ["service"] = "SecretsManager",
                ["region"] = "us-east-1",
                ["auth"] = new JsonObject
                {
                    ["secretRef"] = new JsonObject
                    {
                        ["accessKeyIDSecretRef"] = new JsonObject { ["name"] = credentialsSecret, ["namespace"] = credentialsNamespace, ["key"] = "access-key" },
                        ["secretAccessKeySecretRef"] = new JsonObject { ["name"] = credentialsSecret, ["namespace"] = credentialsNamespace, ["key"] = "secret-access-key" },
                    },
                },
            },
        };

        // The endpoint override the driver and the controller honour, as in a private VPC endpoint setup.
        public void Expose() => Environment.SetEnvironmentVariable("AWS_ENDPOINT_URL_SECRETS_MANAGER", aws.Address.ToString().TrimEnd('/'));

        public void ResetPerKey() => aws.ResetPerSecret();

        public ValueTask DisposeAsync() => aws.DisposeAsync();
    }
}
