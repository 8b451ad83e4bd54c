namespace CsiDriver.Providers.Aws;

/// <summary>
/// AWS Signature Version 4 (header form). Verified against AWS's published SigV4 test suite
/// (tests/.../Aws/TestData/sigv4-vectors.json).
/// </summary>
internal static partial class SigV4Signer
{
    public const string Algorithm = "AWS4-HMAC-SHA256";

    /// <summary>Signs a request in place: adds Host, X-Amz-Date, X-Amz-Security-Token and Authorization.</summary>
    public static void Sign(HttpRequestMessage request, ReadOnlySpan<byte> body, AwsCredentials credentials, string region, string service, DateTimeOffset now)
    {
        var uri = request.RequestUri ?? throw new InvalidOperationException("request has no URI");
        var host = uri.IsDefaultPort ? uri.IdnHost : $"{uri.IdnHost}:{uri.Port}";
        var amzDate = now.UtcDateTime.ToString("yyyyMMdd'T'HHmmss'Z'", CultureInfo.InvariantCulture);
        request.Headers.Host = host;
        request.Headers.Remove("X-Amz-Date");
        request.Headers.TryAddWithoutValidation("X-Amz-Date", amzDate);
        request.Headers.Remove("X-Amz-Security-Token");
        if (!string.IsNullOrEmpty(credentials.SessionToken))
        {
            request.Headers.TryAddWithoutValidation("X-Amz-Security-Token", credentials.SessionToken);
        }

        var headers = new List<KeyValuePair<string, string>> { new("host", host) };
        headers.AddRange(request.Headers.Where(h => h.Key.StartsWith("X-Amz-", StringComparison.OrdinalIgnoreCase)).SelectMany(h => h.Value.Select(v => KeyValuePair.Create(h.Key, v))));

        if (request.Content?.Headers.ContentType is MediaTypeHeaderValue contentType)
        {
            headers.Add(new("content-type", contentType.ToString()));
        }

        var authorization = Authorization(
            new SigningRequest(request.Method.Method, uri.AbsolutePath, uri.Query.TrimStart('?'), headers, Hex(SHA256.HashData(body)), region, service, amzDate),
            credentials);
        request.Headers.TryAddWithoutValidation("Authorization", authorization);
    }

    /// <summary>The Authorization header value for a request described as data (the test-suite shape).</summary>
    public static string Authorization(SigningRequest request, AwsCredentials credentials)
    {
        var (canonical, signedHeaders) = CanonicalRequest(request);
        var date = request.AmzDate[..8];
        var scope = $"{date}/{request.Region}/{request.Service}/aws4_request";
        var stringToSign = $"{Algorithm}\n{request.AmzDate}\n{scope}\n{Hex(SHA256.HashData(Encoding.UTF8.GetBytes(canonical)))}";
        var signature = Hex(HMACSHA256.HashData(SigningKey(credentials.SecretAccessKey, date, request.Region, request.Service), Encoding.UTF8.GetBytes(stringToSign)));
        return $"{Algorithm} Credential={credentials.AccessKeyId}/{scope}, SignedHeaders={signedHeaders}, Signature={signature}";
    }

    /// <summary>The canonical request and the signed-header list.</summary>
    private static (string Canonical, string SignedHeaders) CanonicalRequest(SigningRequest request)
    {
        var grouped = request.Headers
            .GroupBy(h => h.Key.Trim().ToLowerInvariant(), h => CollapseSpaces(h.Value))
            .OrderBy(g => g.Key, StringComparer.Ordinal)
            .ToList();
        var builder = new StringBuilder();
        builder.Append(request.Method).Append('\n');
        builder.Append(CanonicalUri(request.Path)).Append('\n');
        builder.Append(CanonicalQuery(request.Query)).Append('\n');
        foreach (var header in grouped)
        {
            builder.Append(header.Key).Append(':').Append(string.Join(',', header)).Append('\n');
        }

        var signed = string.Join(';', grouped.Select(g => g.Key));
        builder.Append('\n').Append(signed).Append('\n').Append(request.PayloadHash);
        return (builder.ToString(), signed);
    }

    /// <summary>The chain of HMACs keyed first with <c>AWS4</c> and the secret key, over the date, region, service and <c>aws4_request</c>.</summary>
    private static byte[] SigningKey(string secretAccessKey, string date, string region, string service) =>
        new[] { date, region, service, "aws4_request" }.Aggregate(Encoding.UTF8.GetBytes("AWS4" + secretAccessKey), (key, part) => HMACSHA256.HashData(key, Encoding.UTF8.GetBytes(part)));

    public static string Hex(ReadOnlySpan<byte> bytes) => Convert.ToHexStringLower(bytes);

    // Non-S3 services encode each path segment of the path as sent (so an escaped path is escaped twice).
    // Uri.EscapeDataString is SigV4's UriEncode: everything but RFC 3986 unreserved characters, upper-case hex.
    private static string CanonicalUri(string path) =>
        string.IsNullOrEmpty(path) ? "/" : string.Join('/', path.Split('/').Select(Uri.EscapeDataString));

    private static string CanonicalQuery(string query) =>
        string.Join('&', query
            .Split('&', StringSplitOptions.RemoveEmptyEntries)
            .Select(part => part.Split('=', 2))
            .Select(pair => (Key: Uri.EscapeDataString(Uri.UnescapeDataString(pair[0])), Value: Uri.EscapeDataString(Uri.UnescapeDataString(pair.Length > 1 ? pair[1] : string.Empty))))
            .OrderBy(p => p.Key, StringComparer.Ordinal)
            .ThenBy(p => p.Value, StringComparer.Ordinal)
            .Select(p => $"{p.Key}={p.Value}"));

    /// <summary>The value trimmed, each run of spaces inside it one space.</summary>
    private static string CollapseSpaces(string value) => SpaceRun().Replace(value.Trim(), " ");

    [GeneratedRegex(" {2,}")]
    private static partial Regex SpaceRun();
}

/// <summary>A request as SigV4 sees it: method, path, raw query, headers to sign, payload hash, scope.</summary>
internal sealed record SigningRequest(
    string Method,
    string Path,
    string Query,
    IReadOnlyList<KeyValuePair<string, string>> Headers,
    string PayloadHash,
    string Region,
    string Service,
    string AmzDate);
