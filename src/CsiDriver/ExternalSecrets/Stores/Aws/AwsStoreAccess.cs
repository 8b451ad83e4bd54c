using CsiDriver.Providers.Aws;
using CsiDriver.Publishing;

namespace CsiDriver.ExternalSecrets.Stores.Aws;

/// <summary>
/// One aws store as one ExternalSecret namespace reaches it: the service endpoint, the principal, and the translation of
/// AWS failures into <see cref="SecretStoreException"/>s that name the store and the key (AWS error texts carry neither
/// values nor credentials).
/// </summary>
internal sealed class AwsStoreAccess(StoreContext store, AwsStoreConfig config, AwsEndpoint endpoint, AwsStorePrincipal principal)
{
    public StoreContext Store { get; } = store;

    public AwsStoreConfig Config { get; } = config;

    public AwsEndpoint Endpoint { get; } = endpoint;

    public string Identity { get; } = $"aws {config.Service} {endpoint.Region} at {endpoint.Url.GetLeftPart(UriPartial.Authority)} as {principal}";

    /// <summary>One AWS call with the principal's current credentials; <paramref name="subject"/> names what it is about.</summary>
    public async Task<T> CallAsync<T>(string subject, Func<AwsCredentials, CancellationToken, Task<T>> call, CancellationToken cancellationToken)
    {
        AwsCredentials credentials;
        try
        {
            credentials = await principal.Credentials(cancellationToken).ConfigureAwait(false);
        }
        catch (AwsServiceException ex)
        {
            throw new SecretStoreException(AwsProvider.Kind(ex), $"{Store}: cannot get AWS credentials for {principal}: {ex.Message}", ex) { Reason = ex.ErrorCode };
        }

        try
        {
            return await call(credentials, cancellationToken).ConfigureAwait(false);
        }
        catch (AwsServiceException ex)
        {
            throw new SecretStoreException(AwsProvider.Kind(ex), $"{Store}: {subject}: {ex.Message}", ex) { Reason = ex.ErrorCode };
        }
    }

    /// <summary>Whether an AWS failure says the thing does not exist.</summary>
    public static bool IsNotFound(SecretStoreException ex) => ex.Kind == FailureKind.NotFound;

    public static bool IsManaged(IEnumerable<AwsTag>? tags) =>
        tags?.Any(t => t.Key == ManagedMark.Key && t.Value == ManagedMark.Value) == true;

    public static List<AwsTag> ManagedTags() => [new AwsTag { Key = ManagedMark.Key, Value = ManagedMark.Value }];

    public SecretStoreException NotManaged(string name) =>
        new(FailureKind.Conflict, $"{Store}: {name} exists and is not managed by external-secrets (no {ManagedMark.Key}: {ManagedMark.Value} tag); it is left as it is") { Reason = "NotManaged" };

    /// <summary>A property of a JSON value, as <see cref="StoreValues.Property"/>.</summary>
    public byte[] Property(byte[] value, string property, string name) => StoreValues.Property(Store, value, property, name);

    /// <summary>A JSON object value split into keys, as <see cref="StoreValues.Split"/>.</summary>
    public IReadOnlyDictionary<string, byte[]> Split(byte[] value, string name) => StoreValues.Split(Store, value, name);

    public static byte[] Merge(byte[]? existing, string? property, byte[] value) => StoreValues.Merge(existing, property, value);

    public static byte[]? Without(byte[] existing, string property) => StoreValues.Without(existing, property);
}
