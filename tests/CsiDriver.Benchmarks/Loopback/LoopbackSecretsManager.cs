using System.Collections.Concurrent;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http;

namespace CsiDriver.Benchmarks.Loopback;

/// <summary>
/// AWS Secrets Manager on loopback (the JSON 1.1 protocol, <c>X-Amz-Target</c>), answering after a fixed delay:
/// GetSecretValue and BatchGetSecretValue of any name (value <c>{"value":"value-of-&lt;name&gt;"}</c>), for requests
/// that carry a SigV4 Authorization header with the expected access key. Counts calls and per-secret value reads.
/// </summary>
internal sealed class LoopbackSecretsManager : IAsyncDisposable
{
    public const string AccessKeyId = "AKIDBENCHMARK";
    public const string SecretAccessKey = "bench-secret-access-key";
    private readonly PreciseDelay _delay;
    private readonly ConcurrentDictionary<string, int> _calls = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, int> _secretsRead = new(StringComparer.Ordinal);
    private LoopbackServer _server = null!;

    private LoopbackSecretsManager(TimeSpan delay) => _delay = new PreciseDelay(delay);

    public Uri Address => _server.Address;

    /// <summary>Backend calls so far, by action (<c>GetSecretValue</c>, <c>BatchGetSecretValue</c>, ...).</summary>
    public IReadOnlyDictionary<string, int> Calls => new Dictionary<string, int>(_calls, StringComparer.Ordinal);

    public int TotalCalls => _calls.Values.Sum();

    /// <summary>Distinct secrets whose value was read since the last <see cref="ResetPerSecret"/>.</summary>
    public int DistinctSecretsRead => _secretsRead.Count;

    public static async Task<LoopbackSecretsManager> StartAsync(TimeSpan delay)
    {
        var aws = new LoopbackSecretsManager(delay);
        aws._server = await LoopbackServer.StartAsync(aws.HandleAsync);
        return aws;
    }

    public void ResetPerSecret() => _secretsRead.Clear();

    public async ValueTask DisposeAsync()
    {
        await _server.DisposeAsync();
        _delay.Dispose();
    }

    private async Task HandleAsync(HttpContext context)
    {
        await _delay.WaitAsync();
        context.Response.ContentType = "application/x-amz-json-1.1";
        var target = context.Request.Headers["X-Amz-Target"].ToString();
        var action = target.StartsWith("secretsmanager.", StringComparison.Ordinal) ? target["secretsmanager.".Length..] : target;
        _calls.AddOrUpdate(action, 1, (_, n) => n + 1);
        if (!context.Request.Headers.Authorization.ToString().StartsWith($"AWS4-HMAC-SHA256 Credential={AccessKeyId}/", StringComparison.Ordinal))
        {
            context.Response.StatusCode = 400;
            await context.Response.WriteAsync("""{"__type":"UnrecognizedClientException","message":"The security token included in the request is invalid."}""");
            return;
        }

        var request = (await JsonNode.ParseAsync(context.Request.Body, cancellationToken: context.RequestAborted))!.AsObject();
        switch (action)
        {
            case "GetSecretValue":
                await context.Response.WriteAsync(Entry((string)request["SecretId"]!).ToJsonString());
                return;
            case "BatchGetSecretValue":
                var values = new JsonArray();
                foreach (var id in request["SecretIdList"]?.AsArray() ?? [])
                {
                    values.Add(Entry((string)id!));
                }

                await context.Response.WriteAsync(new JsonObject { ["SecretValues"] = values, ["Errors"] = new JsonArray() }.ToJsonString());
                return;
            default:
                context.Response.StatusCode = 400;
                await context.Response.WriteAsync("""{"__type":"InvalidAction","message":"not served by the benchmark backend"}""");
                return;
        }
    }

    private JsonObject Entry(string name)
    {
        _secretsRead.AddOrUpdate(name, 1, (_, n) => n + 1);
        return new JsonObject
        {
            ["ARN"] = $"arn:aws:secretsmanager:us-east-1:111122223333:secret:{name}-AbCdEf",
            ["Name"] = name,
            ["VersionId"] = "00000000-0000-0000-0000-000000000001",
            ["VersionStages"] = new JsonArray("AWSCURRENT"),
            ["CreatedDate"] = 1.7e9,
            ["SecretString"] = new JsonObject { ["value"] = "value-of-" + name }.ToJsonString(),
        };
    }
}
