namespace CsiDriver.Providers.Aws;

/// <summary>
/// The EKS Pod Identity agent on the node (container credentials protocol). Covers:
/// <c>GET /v1/credentials</c> with <c>Authorization: &lt;pod token&gt;</c>, IPv4 then IPv6 per
/// <c>preferredAddressType</c>, or the <c>AWS_CONTAINER_CREDENTIALS_FULL_URI</c> override. Backend call
/// <c>pod_identity_credentials</c>.
/// </summary>
internal sealed class PodIdentityAgentClient(AwsHttp http, AwsProviderOptions options, ILogger logger)
{
    public static readonly Uri IPv4Endpoint = new("http://169.254.170.23/v1/credentials");
    public static readonly Uri IPv6Endpoint = new("http://[fd00:ec2::23]/v1/credentials");

    public async Task<AwsCredentials> GetCredentialsAsync(string preferredAddressType, string token, CancellationToken cancellationToken)
    {
        AwsServiceException? last = null;
        foreach (var endpoint in Endpoints(preferredAddressType))
        {
            try
            {
                return await SendAsync(endpoint, token, cancellationToken).ConfigureAwait(false);
            }
            catch (AwsServiceException ex) when (ex.StatusCode is null)
            {
                // Unreachable on this address family: the next one may answer.
                AwsLog.PodIdentityEndpointFailed(logger, endpoint.Host, ex.ServiceMessage);
                last = ex;
            }
        }

        throw new AwsServiceException("Pod Identity agent", null, "RequestError", $"failed to get AWS config from pod identity agent: {last?.ServiceMessage}", null, last);
    }

    private IEnumerable<Uri> Endpoints(string preferredAddressType) => (options.PodIdentityEndpoint, preferredAddressType.ToLowerInvariant()) switch
    {
        ({ } overridden, _) => [overridden],
        (_, "ipv4") => [IPv4Endpoint],
        (_, "ipv6") => [IPv6Endpoint],
        _ => [IPv4Endpoint, IPv6Endpoint],
    };

    private async Task<AwsCredentials> SendAsync(Uri endpoint, string token, CancellationToken cancellationToken)
    {
        const string operation = "Pod Identity agent: GetCredentials";
        var response = await http.SendAsync(
            operation,
            endpoint.Host,
            "pod_identity_credentials",
            () =>
            {
                var message = new HttpRequestMessage(HttpMethod.Get, endpoint);
                message.Headers.TryAddWithoutValidation("Authorization", token);
                return message;
            },
            options.LinkLocalTimeout,
            1024 * 1024,
            response =>
            {
                var error = Parse(response);
                return AwsHttp.Refused(operation, response, error?.Code, error?.Message, null);
            },
            cancellationToken).ConfigureAwait(false);
        if (Parse(response) is not { AccessKeyId: { Length: > 0 } keyId, SecretAccessKey: { Length: > 0 } secret } parsed)
        {
            throw new AwsServiceException(operation, response.Status, "InvalidResponse", "response has no AccessKeyId/SecretAccessKey", null);
        }

        return new AwsCredentials(keyId, secret, parsed.Token, parsed.Expiration);
    }

    private static ContainerCredentialsResponse? Parse(Http.BackendResponse response) =>
        Http.BackendJson.TryParse(response.Body, AwsJsonContext.Default.ContainerCredentialsResponse);
}
