using System.Collections.Concurrent;
using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http;

namespace CsiDriver.Tests.Providers.Aws;

/// <summary>
/// What the External Secrets stores call beyond reads, as the services answer: Secrets Manager ListSecrets (filters, paging),
/// DescribeSecret with tags, CreateSecret, PutSecretValue, DeleteSecret; SSM DescribeParameters (Path and tag filters,
/// paging), ListTagsForResource, PutParameter (Overwrite and Tags exclusive, as SSM enforces), DeleteParameter; STS
/// AssumeRole (SigV4-checked, allowed per caller principal) and web identities trusted by the token's subject and audience.
/// </summary>
public sealed partial class FakeAwsServer
{
    /// <summary>Secret tags per (region, name).</summary>
    public ConcurrentDictionary<(string Region, string Name), Dictionary<string, string>> SecretTags { get; } = new();

    /// <summary>Parameter tags per (region, name).</summary>
    public ConcurrentDictionary<(string Region, string Name), Dictionary<string, string>> ParameterTags { get; } = new();

    /// <summary>Roles that may be assumed with AssumeRole, with the caller principal allowed to.</summary>
    public ConcurrentDictionary<string, string> RoleAssumers { get; } = new();

    /// <summary>Deleted secrets with the recovery options asked for (null: not given).</summary>
    public ConcurrentQueue<(string Name, long? RecoveryWindowInDays, bool? Force)> DeletedSecrets { get; } = new();

    /// <summary>Page size of ListSecrets and DescribeParameters, so tests see paging.</summary>
    public int ListPageSize { get; set; } = 100;

    /// <summary>The audience a trusted web identity token must carry.</summary>
    public const string WebIdentityAudience = "sts.amazonaws.com";

    /// <summary>A role trust for a Kubernetes service account: <see cref="Roles"/>' value is then its subject.</summary>
    public static string TrustServiceAccount(string ns, string name) => $"system:serviceaccount:{ns}:{name}";

    public void TagSecret(string region, string name, params (string Key, string Value)[] tags)
    {
        var existing = SecretTags.GetOrAdd((region, name), _ => []);
        lock (existing)
        {
            foreach (var (key, value) in tags)
            {
                existing[key] = value;
            }
        }
    }

    public void TagParameter(string region, string name, params (string Key, string Value)[] tags)
    {
        var existing = ParameterTags.GetOrAdd((region, name), _ => []);
        lock (existing)
        {
            foreach (var (key, value) in tags)
            {
                existing[key] = value;
            }
        }
    }

    /// <summary>The current value of a secret as text (string or binary), or null.</summary>
    public string? CurrentText(string region, string name) =>
        FindSecret(region, name)?.Find(null, null) is { } v ? v.Text ?? Encoding.UTF8.GetString(v.Binary!) : null;

    private bool WebIdentityTrusted(string expected, string? token)
    {
        if (token is null)
        {
            return false;
        }

        if (token == expected)
        {
            return true;
        }

        if (!expected.StartsWith("system:serviceaccount:", StringComparison.Ordinal))
        {
            return false;
        }

        var parts = token.Split('.');
        if (parts.Length != 3)
        {
            return false;
        }

        var payload = parts[1].Replace('-', '+').Replace('_', '/');
        payload = payload.PadRight(payload.Length + ((4 - (payload.Length % 4)) % 4), '=');
        var claims = JsonNode.Parse(Convert.FromBase64String(payload))!.AsObject();
        var audiences = claims["aud"] is JsonArray array ? array.Select(a => a!.GetValue<string>()).ToList() : [claims["aud"]?.GetValue<string>() ?? string.Empty];
        return claims["sub"]?.GetValue<string>() == expected && audiences.Contains(WebIdentityAudience);
    }

    private async Task AssumeRoleAsync(HttpContext context, Dictionary<string, string> fields, byte[] body)
    {
        var (principal, _, failure) = Authenticate(context.Request, body);
        if (failure is not null)
        {
            context.Response.StatusCode = 403;
            await context.Response.WriteAsync(StsError("Sender", "SignatureDoesNotMatch", failure.Value.Message));
            return;
        }

        var role = fields.GetValueOrDefault("RoleArn") ?? string.Empty;
        if (!RoleAssumers.TryGetValue(role, out var allowed) || allowed != principal || string.IsNullOrEmpty(fields.GetValueOrDefault("RoleSessionName")))
        {
            context.Response.StatusCode = 403;
            await context.Response.WriteAsync(StsError("Sender", "AccessDenied", $"User: {principal} is not authorized to perform: sts:AssumeRole on resource: {role}"));
            return;
        }

        var (key, secret, token) = Issue(role);
        var expiration = Now().Add(CredentialLifetime).UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);
        await context.Response.WriteAsync($"""
            <AssumeRoleResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/">
              <AssumeRoleResult>
                <AssumedRoleUser><Arn>{role}/session</Arn><AssumedRoleId>AROA:session</AssumedRoleId></AssumedRoleUser>
                <Credentials>
                  <AccessKeyId>{key}</AccessKeyId>
                  <SecretAccessKey>{secret}</SecretAccessKey>
                  <SessionToken>{token}</SessionToken>
                  <Expiration>{expiration}</Expiration>
                </Credentials>
              </AssumeRoleResult>
              <ResponseMetadata><RequestId>req-2</RequestId></ResponseMetadata>
            </AssumeRoleResponse>
            """);
    }

    private async Task<bool> TryHandleStoreCallAsync(HttpContext context, string target, string principal, string region, JsonObject json)
    {
        switch (target)
        {
            case "secretsmanager.ListSecrets":
                await ListSecretsAsync(context, region, json);
                return true;
            case "secretsmanager.DescribeSecret":
                await DescribeSecretWithTagsAsync(context, principal, region, json);
                return true;
            case "secretsmanager.CreateSecret":
                await CreateSecretAsync(context, region, json);
                return true;
            case "secretsmanager.PutSecretValue":
                await PutSecretValueAsync(context, region, json);
                return true;
            case "secretsmanager.DeleteSecret":
                await DeleteSecretAsync(context, region, json);
                return true;
            case "AmazonSSM.DescribeParameters":
                await DescribeParametersAsync(context, region, json);
                return true;
            case "AmazonSSM.ListTagsForResource":
                await ListParameterTagsAsync(context, region, json);
                return true;
            case "AmazonSSM.PutParameter":
                await PutParameterAsync(context, region, json);
                return true;
            case "AmazonSSM.DeleteParameter":
                await DeleteParameterAsync(context, region, json);
                return true;
            default:
                return false;
        }
    }

    private Dictionary<string, string> TagsOf(ConcurrentDictionary<(string, string), Dictionary<string, string>> all, string region, string name)
    {
        if (!all.TryGetValue((region, name), out var tags))
        {
            return [];
        }

        lock (tags)
        {
            return new Dictionary<string, string>(tags);
        }
    }

    private static object[] TagList(Dictionary<string, string> tags) => [.. tags.Select(t => new { t.Key, t.Value })];

    private static (int Start, int Size) Page(JsonObject json, int pageSize)
    {
        var start = json["NextToken"]?.GetValue<string>() is { } next ? int.Parse(next, CultureInfo.InvariantCulture) : 0;
        var size = Math.Min(pageSize, json["MaxResults"]?.GetValue<int>() ?? pageSize);
        return (start, size);
    }

    private async Task ListSecretsAsync(HttpContext context, string region, JsonObject json)
    {
        var filters = json["Filters"]?.AsArray().Select(f => (Key: f!["Key"]!.GetValue<string>(), Values: f["Values"]!.AsArray().Select(v => v!.GetValue<string>()).ToList())).ToList() ?? [];
        var all = (Secrets.TryGetValue(region, out var secrets) ? secrets.Values : []).OrderBy(s => s.Name, StringComparer.Ordinal).ToList();
        var matching = all.Where(s =>
        {
            var tags = TagsOf(SecretTags, region, s.Name);
            return filters.All(f => f.Key switch
            {
                "name" => f.Values.Any(v => s.Name.StartsWith(v, StringComparison.Ordinal)),
                "tag-key" => f.Values.Any(tags.ContainsKey),
                "tag-value" => f.Values.Any(v => tags.ContainsValue(v)),
                _ => true,
            });
        }).ToList();
        var (start, size) = Page(json, ListPageSize);
        var page = matching.Skip(start).Take(size).Select(s => new { ARN = s.Arn, s.Name, Tags = TagList(TagsOf(SecretTags, region, s.Name)) }).ToList();
        await Json(context, new Dictionary<string, object?>
        {
            ["SecretList"] = page,
            ["NextToken"] = start + size < matching.Count ? (start + size).ToString(CultureInfo.InvariantCulture) : null,
        });
    }

    private async Task DescribeSecretWithTagsAsync(HttpContext context, string principal, string region, JsonObject json)
    {
        var id = json["SecretId"]!.GetValue<string>();
        CountRead(principal, region, "describe", id);
        var secret = FindSecret(region, id);
        if (secret is null)
        {
            await JsonError(context, 400, "ResourceNotFoundException", "Secrets Manager can't find the specified secret.");
            return;
        }

        await Json(context, new Dictionary<string, object>
        {
            ["ARN"] = secret.Arn,
            ["Name"] = secret.Name,
            ["VersionIdsToStages"] = secret.Versions.ToDictionary(v => v.Id, v => v.Stages.ToArray()),
            ["Tags"] = TagList(TagsOf(SecretTags, region, secret.Name)),
        });
    }

    private async Task CreateSecretAsync(HttpContext context, string region, JsonObject json)
    {
        var name = json["Name"]!.GetValue<string>();
        if (json["ClientRequestToken"] is null || (json["SecretBinary"] is null && json["SecretString"] is null))
        {
            await JsonError(context, 400, "InvalidParameterException", "ClientRequestToken and a value are required");
            return;
        }

        if (FindSecret(region, name) is not null)
        {
            await JsonError(context, 400, "ResourceExistsException", $"The operation failed because the secret {name} already exists.");
            return;
        }

        var secret = PutSecret(region, name, json["SecretString"]?.GetValue<string>(), json["SecretBinary"] is { } b ? Convert.FromBase64String(b.GetValue<string>()) : null, json["ClientRequestToken"]!.GetValue<string>());
        foreach (var tag in json["Tags"]?.AsArray() ?? [])
        {
            TagSecret(region, name, (tag!["Key"]!.GetValue<string>(), tag["Value"]?.GetValue<string>() ?? string.Empty));
        }

        await Json(context, new { ARN = secret.Arn, secret.Name, VersionId = json["ClientRequestToken"]!.GetValue<string>() });
    }

    private async Task PutSecretValueAsync(HttpContext context, string region, JsonObject json)
    {
        var secret = FindSecret(region, json["SecretId"]!.GetValue<string>());
        var token = json["ClientRequestToken"]?.GetValue<string>();
        if (secret is null)
        {
            await JsonError(context, 400, "ResourceNotFoundException", "Secrets Manager can't find the specified secret.");
            return;
        }

        if (token is null || secret.Versions.Any(v => v.Id == token))
        {
            await JsonError(context, 400, "InvalidRequestException", "A fresh ClientRequestToken is required for a new version");
            return;
        }

        secret.AddVersion(token, json["SecretString"]?.GetValue<string>(), json["SecretBinary"] is { } b ? Convert.FromBase64String(b.GetValue<string>()) : null);
        await Json(context, new { ARN = secret.Arn, secret.Name, VersionId = token });
    }

    private async Task DeleteSecretAsync(HttpContext context, string region, JsonObject json)
    {
        var secret = FindSecret(region, json["SecretId"]!.GetValue<string>());
        if (secret is null)
        {
            await JsonError(context, 400, "ResourceNotFoundException", "Secrets Manager can't find the specified secret.");
            return;
        }

        var window = json["RecoveryWindowInDays"]?.GetValue<long>();
        var force = json["ForceDeleteWithoutRecovery"]?.GetValue<bool>();
        if (window is not null && force is not null)
        {
            await JsonError(context, 400, "InvalidParameterException", "You can't use ForceDeleteWithoutRecovery in conjunction with RecoveryWindowInDays.");
            return;
        }

        Secrets[region].TryRemove(secret.Name, out _);
        SecretTags.TryRemove((region, secret.Name), out _);
        DeletedSecrets.Enqueue((secret.Name, window, force));
        await Json(context, new { ARN = secret.Arn, secret.Name, DeletionDate = 1.7e9 });
    }

    private async Task DescribeParametersAsync(HttpContext context, string region, JsonObject json)
    {
        var filters = json["ParameterFilters"]?.AsArray().Select(f => (Key: f!["Key"]!.GetValue<string>(), Option: f["Option"]?.GetValue<string>(), Values: f["Values"]!.AsArray().Select(v => v!.GetValue<string>()).ToList())).ToList() ?? [];
        var all = (Parameters.TryGetValue(region, out var parameters) ? parameters.Values : []).OrderBy(p => p.Name, StringComparer.Ordinal).ToList();
        var matching = all.Where(p =>
        {
            var tags = TagsOf(ParameterTags, region, p.Name);
            return filters.All(f => f.Key switch
            {
                "Path" when f.Option == "Recursive" => f.Values.Any(v => p.Name.StartsWith(v.TrimEnd('/') + "/", StringComparison.Ordinal)),
                "Path" => f.Values.Any(v => p.Name.StartsWith(v.TrimEnd('/') + "/", StringComparison.Ordinal) && !p.Name[(v.TrimEnd('/').Length + 1)..].Contains('/', StringComparison.Ordinal)),
                var k when k.StartsWith("tag:", StringComparison.Ordinal) => tags.TryGetValue(k[4..], out var value) && f.Values.Contains(value),
                _ => true,
            });
        }).ToList();
        var (start, size) = Page(json, ListPageSize);
        await Json(context, new Dictionary<string, object?>
        {
            ["Parameters"] = matching.Skip(start).Take(size).Select(p => new { p.Name, Type = "SecureString", Version = p.Versions.Count }).ToList(),
            ["NextToken"] = start + size < matching.Count ? (start + size).ToString(CultureInfo.InvariantCulture) : null,
        });
    }

    private FakeParameter? FindParameter(string region, string name) =>
        Parameters.TryGetValue(region, out var all) ? all.Values.FirstOrDefault(p => p.Name == name || p.Arn == name) : null;

    private async Task ListParameterTagsAsync(HttpContext context, string region, JsonObject json)
    {
        var name = json["ResourceId"]!.GetValue<string>();
        if (json["ResourceType"]?.GetValue<string>() != "Parameter" || FindParameter(region, name) is null)
        {
            await JsonError(context, 400, "InvalidResourceId", "The resource ID is not valid. Verify that you entered the correct ID and try again.");
            return;
        }

        await Json(context, new { TagList = TagList(TagsOf(ParameterTags, region, name)) });
    }

    private async Task PutParameterAsync(HttpContext context, string region, JsonObject json)
    {
        var name = json["Name"]!.GetValue<string>();
        var overwrite = json["Overwrite"]?.GetValue<bool>() == true;
        var tags = json["Tags"]?.AsArray();
        if (json["Type"]?.GetValue<string>() is not ("String" or "StringList" or "SecureString") || json["Value"] is null)
        {
            await JsonError(context, 400, "ValidationException", "Type and Value are required");
            return;
        }

        if (overwrite && tags is not null)
        {
            await JsonError(context, 400, "ValidationException", "Invalid request: tags and overwrite can't be used together. To create a parameter with tags, please remove overwrite flag. To update tags for an existing parameter, please use AddTagsToResource or RemoveTagsFromResource.");
            return;
        }

        var existing = FindParameter(region, name);
        if (existing is not null && !overwrite)
        {
            await JsonError(context, 400, "ParameterAlreadyExists", "The parameter already exists. To overwrite this value, set the overwrite option in the request to true.");
            return;
        }

        var parameter = PutParameter(region, name, json["Value"]!.GetValue<string>());
        foreach (var tag in tags ?? [])
        {
            TagParameter(region, name, (tag!["Key"]!.GetValue<string>(), tag["Value"]?.GetValue<string>() ?? string.Empty));
        }

        await Json(context, new { Version = parameter.Versions.Count, Tier = "Standard" });
    }

    private async Task DeleteParameterAsync(HttpContext context, string region, JsonObject json)
    {
        var name = json["Name"]!.GetValue<string>();
        if (FindParameter(region, name) is null)
        {
            await JsonError(context, 400, "ParameterNotFound", "Parameter not found.");
            return;
        }

        Parameters[region].TryRemove(name, out _);
        ParameterTags.TryRemove((region, name), out _);
        await Json(context, new { });
    }
}
