using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace CsiDriver.Benchmarks;

/// <summary>
/// The External Secrets controller's runtime alone, as a real process (<c>csi-secrets-store controller</c>)
/// against a loopback API server in this process: time from start to <c>/readyz</c> (every cache listed) with
/// N ExternalSecrets in M namespaces, and the controller's RSS once synced. The API server serves paged lists
/// and holds watches open; leases are accepted. No reconcilers are involved (this measures list, watch, cache,
/// routing and queueing). Usage: <c>controller-sync [externalsecrets] [namespaces]</c>.
/// </summary>
internal static class ControllerSyncBenchmark
{
    public static async Task<int> RunAsync(string[] args)
    {
        var count = args.Length > 0 ? int.Parse(args[0], CultureInfo.InvariantCulture) : 10_000;
        var namespaces = args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 100;
        var work = Directory.CreateTempSubdirectory("csi-controller-bench-").FullName;
        await using var api = await LoopbackApi.StartAsync(count, namespaces);
        try
        {
            var kubeconfig = Path.Combine(work, "kubeconfig");
            await File.WriteAllTextAsync(kubeconfig, api.Kubeconfig());
            var metrics = $"127.0.0.1:{FreePort()}";
            var clock = Stopwatch.StartNew();
            using var controller = DriverLauncher.Start(["controller", "--kubeconfig", kubeconfig, "--metrics-addr", metrics, "--leader-election-namespace", "kube-system"]);
            controller.OutputDataReceived += (_, _) => { };
            controller.ErrorDataReceived += (_, _) => { };
            controller.BeginOutputReadLine();
            controller.BeginErrorReadLine();
            using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(2) };
            while (true)
            {
                if (controller.HasExited)
                {
                    Console.Error.WriteLine($"controller exited with {controller.ExitCode}");
                    return 1;
                }

                try
                {
                    using var ready = await http.GetAsync($"http://{metrics}/readyz");
                    if (ready.StatusCode == HttpStatusCode.OK)
                    {
                        break;
                    }
                }
                catch (HttpRequestException)
                {
                    // Not listening yet.
                }

                await Task.Delay(10);
            }

            var syncMs = clock.Elapsed.TotalMilliseconds;
            var rss = ReadStatus(controller.Id, "VmRSS");
            var peak = ReadStatus(controller.Id, "VmHWM");
            Console.WriteLine($"controller: {typeof(CsiDriver.Program).Assembly.GetName().Version}, {DriverLauncher.Description}, {Environment.ProcessorCount} cores");
            Console.WriteLine($"setup: {count} ExternalSecrets in {namespaces} namespaces, lists of 500 per page, loopback API server (no reconcilers)");
            Console.WriteLine($"start to /readyz (all caches synced): {syncMs:F0} ms; list requests {api.ListRequests}");
            Console.WriteLine($"controller RSS after sync: {rss / 1024.0:F1} MiB (peak {peak / 1024.0:F1} MiB)");
            controller.Kill();
            await controller.WaitForExitAsync();
            return 0;
        }
        finally
        {
            Directory.Delete(work, recursive: true);
        }
    }

    private static int FreePort()
    {
        using var listener = new System.Net.Sockets.TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private static long ReadStatus(int pid, string field)
    {
        var line = File.ReadLines($"/proc/{pid}/status").First(l => l.StartsWith(field + ":", StringComparison.Ordinal));
        return long.Parse(line.Split([' ', '\t'], StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture);
    }

    /// <summary>Paged lists of generated ExternalSecrets (other kinds empty), watches held open, leases echoed.</summary>
    private sealed class LoopbackApi : IAsyncDisposable
    {
        private const int Page = 500;
        private readonly WebApplication _app;
        private readonly List<string> _externalSecrets;
        private int _lists;

        private LoopbackApi(WebApplication app, List<string> externalSecrets)
        {
            _app = app;
            _externalSecrets = externalSecrets;
        }

        public Uri Url { get; private set; } = null!;

        public int ListRequests => Volatile.Read(ref _lists);

        public static async Task<LoopbackApi> StartAsync(int count, int namespaces)
        {
            var items = Enumerable.Range(0, count).Select(i => new JsonObject
            {
                ["apiVersion"] = "external-secrets.io/v1",
                ["kind"] = "ExternalSecret",
                ["metadata"] = new JsonObject
                {
                    ["name"] = $"es-{i}",
                    ["namespace"] = $"ns-{i % namespaces}",
                    ["uid"] = Guid.NewGuid().ToString(),
                    ["resourceVersion"] = (10 + i).ToString(CultureInfo.InvariantCulture),
                    ["generation"] = 1,
                    ["labels"] = new JsonObject { ["app"] = "bench" },
                },
                ["spec"] = new JsonObject
                {
                    ["refreshInterval"] = "1h",
                    ["secretStoreRef"] = new JsonObject { ["name"] = "vault", ["kind"] = "ClusterSecretStore" },
                    ["target"] = new JsonObject { ["name"] = $"secret-{i}" },
                    ["data"] = new JsonArray(new JsonObject { ["secretKey"] = "value", ["remoteRef"] = new JsonObject { ["key"] = $"app/key-{i % 1000}" } }),
                },
            }.ToJsonString()).ToList();
            var builder = WebApplication.CreateEmptyBuilder(new WebApplicationOptions());
            builder.Logging.ClearProviders();
            builder.WebHost.UseKestrelCore().ConfigureKestrel(k => k.Listen(IPAddress.Loopback, 0));
            var app = builder.Build();
            var api = new LoopbackApi(app, items);
            app.Run(api.HandleAsync);
            await app.StartAsync();
            api.Url = new Uri(app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First());
            return api;
        }

        public string Kubeconfig() => $"""
            apiVersion: v1
            kind: Config
            current-context: bench
            clusters:
            - name: loop
              cluster:
                server: {Url.ToString().TrimEnd('/')}
            users:
            - name: controller
              user:
                token: controller-token
            contexts:
            - name: bench
              context:
                cluster: loop
                user: controller
            """;

        public async ValueTask DisposeAsync()
        {
            await _app.StopAsync();
            await _app.DisposeAsync();
        }

        private async Task HandleAsync(HttpContext http)
        {
            var path = http.Request.Path.Value!;
            http.Response.ContentType = "application/json";
            if (path.Contains("/leases", StringComparison.Ordinal))
            {
                await LeaseAsync(http);
                return;
            }

            if (http.Request.Method != "GET")
            {
                http.Response.StatusCode = 404;
                return;
            }

            if (http.Request.Query["watch"] == "1")
            {
                await http.Response.StartAsync();
                await Task.Delay(Timeout.Infinite, http.RequestAborted).ContinueWith(_ => { }, TaskScheduler.Default);
                return;
            }

            Interlocked.Increment(ref _lists);
            var all = path.EndsWith("/externalsecrets", StringComparison.Ordinal) ? _externalSecrets : [];
            var from = int.TryParse(http.Request.Query["continue"], NumberStyles.None, CultureInfo.InvariantCulture, out var offset) ? offset : 0;
            var page = all.Skip(from).Take(Page).ToList();
            var next = from + page.Count < all.Count ? (from + page.Count).ToString(CultureInfo.InvariantCulture) : string.Empty;
            var body = new StringBuilder("{\"kind\":\"List\",\"apiVersion\":\"v1\",\"metadata\":{\"resourceVersion\":\"100000\",\"continue\":\"")
                .Append(next).Append("\"},\"items\":[").AppendJoin(',', page).Append("]}");
            await http.Response.WriteAsync(body.ToString());
        }

        private static async Task LeaseAsync(HttpContext http)
        {
            if (http.Request.Method == "GET")
            {
                http.Response.StatusCode = 404;
                await http.Response.WriteAsync("{\"kind\":\"Status\",\"code\":404,\"reason\":\"NotFound\"}");
                return;
            }

            using var reader = new StreamReader(http.Request.Body);
            var lease = JsonNode.Parse(await reader.ReadToEndAsync())!.AsObject();
            lease["metadata"]!["resourceVersion"] = "1";
            http.Response.StatusCode = http.Request.Method == "POST" ? 201 : 200;
            await http.Response.WriteAsync(lease.ToJsonString());
        }
    }
}
