namespace CsiDriver.Providers.Aws;

/// <summary>
/// STS AssumeRole (Query protocol, SigV4-signed with the caller's credentials): a role assumed on top of base
/// credentials. Backend call <c>assume_role</c>.
/// </summary>
internal sealed partial class StsClient
{
    public async Task<AwsCredentials> AssumeRoleAsync(
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
        using var content = new FormUrlEncodedContent(form);
        var body = await content.ReadAsByteArrayAsync(cancellationToken).ConfigureAwait(false);
        return await SendForCredentialsAsync(
            endpoint,
            operation,
            () =>
            {
                _metrics.BackendCall("aws", "assume_role");
                var message = new HttpRequestMessage(HttpMethod.Post, endpoint.Url) { Content = new ByteArrayContent(body) };
                message.Content.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("application/x-www-form-urlencoded") { CharSet = "utf-8" };
                SigV4Signer.Sign(message, body, caller, endpoint.Region, endpoint.SigningName, time.GetUtcNow());
                return message;
            },
            cancellationToken).ConfigureAwait(false);
    }
}
