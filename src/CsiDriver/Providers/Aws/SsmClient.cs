namespace CsiDriver.Providers.Aws;

/// <summary>
/// AWS Systems Manager Parameter Store over JSON 1.1. Covers: GetParameters (WithDecryption), DescribeParameters
/// (ParameterFilters, following NextToken), ListTagsForResource (parameters), PutParameter, DeleteParameter. Backend
/// call names: <c>get_parameters</c>, <c>describe_parameters</c> (one per page), <c>list_tags_for_resource</c>,
/// <c>put_parameter</c>, <c>delete_parameter</c>.
/// </summary>
internal sealed class SsmClient(AwsJsonClient json)
{
    /// <summary>The service's limit on names per GetParameters call.</summary>
    public const int BatchLimit = 10;

    public Task<GetParametersResponse> GetParametersAsync(AwsEndpoint endpoint, AwsCredentials credentials, IReadOnlyList<string> names, CancellationToken cancellationToken) =>
        json.InvokeAsync<GetParametersResponse>(endpoint, credentials, "AmazonSSM.GetParameters", new GetParametersRequest([.. names], WithDecryption: true), cancellationToken);

    /// <summary>The names of every parameter the filters select (all pages, at most <paramref name="maxPages"/>).</summary>
    public Task<List<string>> DescribeParametersAsync(
        AwsEndpoint endpoint, AwsCredentials credentials, List<SsmParameterFilter>? filters, int maxPages, CancellationToken cancellationToken) =>
        Pages.ListAllAsync(
            next => json.InvokeAsync<DescribeParametersResponse>(endpoint, credentials, "AmazonSSM.DescribeParameters", new DescribeParametersRequest(filters, NextToken: next), cancellationToken),
            page => (page.Parameters ?? []).Select(p => p.Name).OfType<string>(),
            page => page.NextToken,
            maxPages);

    public async Task<List<AwsTag>> ListTagsAsync(AwsEndpoint endpoint, AwsCredentials credentials, string name, CancellationToken cancellationToken)
    {
        var response = await json.InvokeAsync<ListTagsForResourceResponse>(endpoint, credentials, "AmazonSSM.ListTagsForResource", new ListTagsForResourceRequest(name), cancellationToken).ConfigureAwait(false);
        return response.TagList ?? [];
    }

    /// <summary>
    /// Writes a <c>String</c> parameter: a new one with <paramref name="tags"/>, or (tags null) a new version of an
    /// existing one (SSM refuses tags together with Overwrite).
    /// </summary>
    public Task<PutParameterResponse> PutParameterAsync(
        AwsEndpoint endpoint, AwsCredentials credentials, string name, string value, List<AwsTag>? tags, CancellationToken cancellationToken) =>
        json.InvokeAsync<PutParameterResponse>(endpoint, credentials, "AmazonSSM.PutParameter", new PutParameterRequest(name, value, Overwrite: tags is null ? true : null, Tags: tags), cancellationToken);

    public Task<AwsEmptyResponse> DeleteParameterAsync(AwsEndpoint endpoint, AwsCredentials credentials, string name, CancellationToken cancellationToken) =>
        json.InvokeAsync<AwsEmptyResponse>(endpoint, credentials, "AmazonSSM.DeleteParameter", new ParameterNameRequest(name), cancellationToken);
}
