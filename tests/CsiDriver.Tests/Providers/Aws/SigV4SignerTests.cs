using System.Text;
using System.Text.Json;
using CsiDriver.Providers.Aws;

namespace CsiDriver.Tests.Providers.Aws;

public sealed class SigV4SignerTests
{
    private static readonly JsonDocument Vectors = JsonDocument.Parse(File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "Providers", "Aws", "TestData", "sigv4-vectors.json")));

    public static TheoryData<string> VectorNames()
    {
        var names = new TheoryData<string>();
        foreach (var vector in Vectors.RootElement.GetProperty("vectors").EnumerateArray())
        {
            names.Add(vector.GetProperty("name").GetString()!);
        }

        return names;
    }

    [Theory]
    [MemberData(nameof(VectorNames))]
    public void Authorization_AwsTestSuiteVector_MatchesPublishedHeader(string name)
    {
        var root = Vectors.RootElement;
        var vector = root.GetProperty("vectors").EnumerateArray().Single(v => v.GetProperty("name").GetString() == name);
        var expected = vector.GetProperty("authorization").GetString()!;
        var credentials = new AwsCredentials(root.GetProperty("accessKeyId").GetString()!, root.GetProperty("secretAccessKey").GetString()!, null, null);

        // The scope (region/service) and which headers were signed come from the vector itself:
        // post-sts-header-after adds X-Amz-Security-Token after signing, so it is not signed.
        var scope = expected.Split("Credential=")[1].Split(',')[0].Split('/');
        var signed = expected.Split("SignedHeaders=")[1].Split(',')[0].Split(';');
        var headers = vector.GetProperty("headers").EnumerateArray()
            .Select(h => new KeyValuePair<string, string>(h[0].GetString()!, h[1].GetString()!))
            .Where(h => signed.Contains(h.Key.ToLowerInvariant()))
            .ToList();
        var url = vector.GetProperty("url").GetString()!;
        var query = url.Contains('?') ? url[(url.IndexOf('?') + 1)..] : string.Empty;
        var path = url.Contains('?') ? url[..url.IndexOf('?')] : url;
        var amzDate = headers.Single(h => h.Key.Equals("X-Amz-Date", StringComparison.OrdinalIgnoreCase)).Value;
        var body = Encoding.UTF8.GetBytes(vector.GetProperty("body").GetString()!);

        var authorization = SigV4Signer.Authorization(
            new SigningRequest(vector.GetProperty("method").GetString()!, path, query, headers, SigV4Signer.Hex(System.Security.Cryptography.SHA256.HashData(body)), scope[2], scope[3], amzDate),
            credentials);

        authorization.Should().Be(expected);
    }

    [Fact]
    public void Sign_SessionCredentials_AddsAndSignsSecurityToken()
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "https://secretsmanager.us-east-1.amazonaws.com/");
        request.Content = new ByteArrayContent("{}"u8.ToArray());
        request.Content.Headers.ContentType = new("application/x-amz-json-1.1");
        request.Headers.TryAddWithoutValidation("X-Amz-Target", "secretsmanager.GetSecretValue");

        SigV4Signer.Sign(request, "{}"u8, new AwsCredentials("ASIAEXAMPLE", "secret", "session-token", null), "us-east-1", "secretsmanager", new DateTimeOffset(2015, 8, 30, 12, 36, 0, TimeSpan.Zero));

        request.Headers.GetValues("X-Amz-Security-Token").Should().Equal("session-token");
        request.Headers.GetValues("X-Amz-Date").Should().Equal("20150830T123600Z");
        var authorization = request.Headers.GetValues("Authorization").Single();
        authorization.Should().StartWith("AWS4-HMAC-SHA256 Credential=ASIAEXAMPLE/20150830/us-east-1/secretsmanager/aws4_request, ");
        authorization.Should().Contain("SignedHeaders=content-type;host;x-amz-date;x-amz-security-token;x-amz-target,");
        authorization.Should().NotContain("secret,").And.NotContain("session-token");
    }
}
