using System.Xml;
using System.Xml.Linq;

namespace CsiDriver.Providers.Aws;

/// <summary>
/// AWS STS over the Query protocol (form POST, XML response). Covers: AssumeRoleWithWebIdentity
/// (unsigned: the web identity token is the credential), backend call <c>assume_role_with_web_identity</c>; AssumeRole
/// (SigV4-signed with the caller's credentials: a role assumed on top of base credentials), backend call
/// <c>assume_role</c>. Hand-written rather than AWSSDK.SecurityToken
/// so it uses our injected endpoints, HttpClient, retry policy and clock instead of process-wide config.
/// </summary>
internal sealed class StsClient(AwsHttp http, AwsProviderOptions options)
{
    public Task<AwsCredentials> AssumeRoleWithWebIdentityAsync(AwsEndpoint endpoint, string roleArn, string sessionName, string webIdentityToken, CancellationToken cancellationToken)
    {
        var form = Form("AssumeRoleWithWebIdentity", roleArn, sessionName);
        form["WebIdentityToken"] = webIdentityToken;
        return SendForCredentialsAsync(
            endpoint, "AssumeRoleWithWebIdentity", () => new HttpRequestMessage(HttpMethod.Post, endpoint.Url) { Content = new FormUrlEncodedContent(form) }, cancellationToken);
    }

    public async Task<AwsCredentials> AssumeRoleAsync(
        AwsEndpoint endpoint, AwsCredentials caller, string roleArn, string sessionName, TimeProvider time, CancellationToken cancellationToken)
    {
        using var content = new FormUrlEncodedContent(Form("AssumeRole", roleArn, sessionName));
        var body = await content.ReadAsByteArrayAsync(cancellationToken).ConfigureAwait(false);
        return await SendForCredentialsAsync(
            endpoint,
            "AssumeRole",
            () =>
            {
                var message = new HttpRequestMessage(HttpMethod.Post, endpoint.Url) { Content = new ByteArrayContent(body) };
                message.Content.Headers.ContentType = new MediaTypeHeaderValue("application/x-www-form-urlencoded") { CharSet = "utf-8" };
                SigV4Signer.Sign(message, body, caller, endpoint.Region, endpoint.SigningName, time.GetUtcNow());
                return message;
            },
            cancellationToken).ConfigureAwait(false);
    }

    /// <summary>The form fields every role-assuming call sends.</summary>
    private static Dictionary<string, string> Form(string action, string roleArn, string sessionName) => new()
    {
        ["Action"] = action,
        ["Version"] = "2011-06-15",
        ["RoleArn"] = roleArn,
        ["RoleSessionName"] = sessionName,
    };

    /// <summary>
    /// A Query-protocol call of <paramref name="action"/> (backend call <c>action</c> in snake case) answering with a
    /// <c>Credentials</c> element; its errors come from the XML <c>Error</c>.
    /// </summary>
    private async Task<AwsCredentials> SendForCredentialsAsync(AwsEndpoint endpoint, string action, Func<HttpRequestMessage> create, CancellationToken cancellationToken)
    {
        var operation = $"STS: {action}";
        var response = await http.SendAsync(
            operation,
            endpoint.Region,
            JsonNamingPolicy.SnakeCaseLower.ConvertName(action),
            create,
            options.AttemptTimeout,
            options.MaxResponseBytes,
            response => Error(operation, response),
            cancellationToken).ConfigureAwait(false);
        var credentials = TryParse(response.Body)?.Descendants().FirstOrDefault(e => e.Name.LocalName == "Credentials");
        var (keyId, secret, token, expiration) = (Child(credentials, "AccessKeyId"), Child(credentials, "SecretAccessKey"), Child(credentials, "SessionToken"), Child(credentials, "Expiration"));
        if (keyId is null || secret is null || token is null || expiration is null ||
            !DateTimeOffset.TryParse(expiration, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var expires))
        {
            throw new AwsServiceException(operation, response.Status, "InvalidResponse", "response has no complete Credentials element", AwsHttp.RequestId(response));
        }

        return new AwsCredentials(keyId, secret, token, expires);
    }

    private static AwsServiceException Error(string operation, Http.BackendResponse response)
    {
        var document = TryParse(response.Body);
        var error = document?.Descendants().FirstOrDefault(e => e.Name.LocalName == "Error");
        var requestId = document?.Descendants().FirstOrDefault(e => e.Name.LocalName == "RequestId")?.Value ?? AwsHttp.RequestId(response);
        return AwsHttp.Refused(operation, response, Child(error, "Code"), Child(error, "Message"), requestId);
    }

    private static XDocument? TryParse(byte[] body)
    {
        if (body.Length == 0)
        {
            return null;
        }

        try
        {
            using var stream = new MemoryStream(body);
            using var reader = XmlReader.Create(stream, new XmlReaderSettings { DtdProcessing = DtdProcessing.Prohibit, XmlResolver = null });
            return XDocument.Load(reader);
        }
        catch (XmlException)
        {
            return null;
        }
    }

    private static string? Child(XElement? parent, string name) =>
        parent?.Elements().FirstOrDefault(e => e.Name.LocalName == name)?.Value;
}
