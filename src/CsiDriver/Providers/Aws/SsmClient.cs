namespace CsiDriver.Providers.Aws;

/// <summary>AWS Systems Manager Parameter Store over JSON 1.1. Covers: GetParameters (WithDecryption), backend call <c>get_parameters</c>.</summary>
internal sealed partial class SsmClient(AwsJsonClient json)
{
    /// <summary>The service's limit on names per GetParameters call.</summary>
    public const int BatchLimit = 10;

    public Task<GetParametersResponse> GetParametersAsync(AwsEndpoint endpoint, AwsCredentials credentials, IReadOnlyList<string> names, CancellationToken cancellationToken) =>
        json.InvokeAsync<GetParametersResponse>(endpoint, credentials, "AmazonSSM.GetParameters", new GetParametersRequest([.. names], WithDecryption: true), cancellationToken);
}
