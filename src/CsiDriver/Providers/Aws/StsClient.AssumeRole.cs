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
        using var content = new FormUrlEncodedContent(Form("AssumeRole", roleArn, sessionName));
        var body = await content.ReadAsByteArrayAsync(cancellationToken).ConfigureAwait(false);
        return await SendForCredentialsAsync(
            endpoint,
            "STS: AssumeRole",
            () =>
            {
                metrics.BackendCall("aws", "assume_role");
                var message = new HttpRequestMessage(HttpMethod.Post, endpoint.Url) { Content = new ByteArrayContent(body) };
                message.Content.Headers.ContentType = new MediaTypeHeaderValue("application/x-www-form-urlencoded") { CharSet = "utf-8" };
                SigV4Signer.Sign(message, body, caller, endpoint.Region, endpoint.SigningName, time.GetUtcNow());
                return message;
            },
            cancellationToken).ConfigureAwait(false);
    }
}
