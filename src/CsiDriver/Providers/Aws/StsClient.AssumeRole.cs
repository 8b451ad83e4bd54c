using System.Globalization;
using System.Net;

namespace CsiDriver.Providers.Aws;

/// <summary>
/// STS AssumeRole (Query protocol, SigV4-signed with the caller's credentials): a role assumed on top of base
/// credentials. Backend call <c>assume_role</c>.
/// </summary>
internal sealed partial class StsClient
{
    public Task<AwsCredentials> AssumeRoleAsync(
        AwsEndpoint endpoint, AwsCredentials caller, string roleArn, string sessionName, TimeProvider time, CancellationToken cancellationToken)
    {
        const string operation = "STS: AssumeRole";
        var form = new Dictionary<string, string>
        {
            ["Action"] = "AssumeRole",
            ["Version"] = "2011-06-15",
            ["RoleArn"] = roleArn,
            ["RoleSessionName"] = sessionName,
        };
        return _retry.ExecuteAsync(
            async ct =>
            {
                _metrics.BackendCall("aws", "assume_role");
                using var content = new FormUrlEncodedContent(form);
                var body = await content.ReadAsByteArrayAsync(ct).ConfigureAwait(false);
                using var message = new HttpRequestMessage(HttpMethod.Post, endpoint.Url) { Content = new ByteArrayContent(body) };
                message.Content.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("application/x-www-form-urlencoded") { CharSet = "utf-8" };
                SigV4Signer.Sign(message, body, caller, endpoint.Region, endpoint.SigningName, time.GetUtcNow());
                return await ReadCredentialsAsync(message, operation, ct).ConfigureAwait(false);
            },
            (ex, attempt, delay) => AwsLog.Retrying(_logger, operation, endpoint.Region, ex.ErrorCode, attempt, delay.TotalMilliseconds),
            cancellationToken);
    }

    private async Task<AwsCredentials> ReadCredentialsAsync(HttpRequestMessage message, string operation, CancellationToken cancellationToken)
    {
        var (status, body, response) = await AwsHttp.SendAsync(_http, message, operation, _options.AttemptTimeout, _options.MaxResponseBytes, cancellationToken).ConfigureAwait(false);
        using (response)
        {
            var document = TryParse(body);
            if (status != HttpStatusCode.OK)
            {
                var error = document?.Descendants().FirstOrDefault(e => e.Name.LocalName == "Error");
                throw new AwsServiceException(operation, status, AwsHttp.Clean(Child(error, "Code") ?? $"Http{(int)status}", 100), AwsHttp.Clean(Child(error, "Message") ?? response.ReasonPhrase), AwsHttp.RequestId(response));
            }

            var credentials = document?.Descendants().FirstOrDefault(e => e.Name.LocalName == "Credentials");
            var (keyId, secret, token, expiration) = (Child(credentials, "AccessKeyId"), Child(credentials, "SecretAccessKey"), Child(credentials, "SessionToken"), Child(credentials, "Expiration"));
            if (keyId is null || secret is null || token is null || expiration is null ||
                !DateTimeOffset.TryParse(expiration, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var expires))
            {
                throw new AwsServiceException(operation, status, "InvalidResponse", "response has no complete Credentials element", AwsHttp.RequestId(response));
            }

            return new AwsCredentials(keyId, secret, token, expires);
        }
    }
}
