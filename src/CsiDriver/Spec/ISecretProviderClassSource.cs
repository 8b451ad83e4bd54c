namespace CsiDriver.Spec;

/// <summary>Where SecretProviderClasses come from: the Kubernetes API or a local folder.</summary>
public interface ISecretProviderClassSource
{
    /// <summary>Finds the class in the POD's namespace; a class elsewhere is never used.</summary>
    /// <exception cref="Publishing.SecretStoreException">Not found, forbidden, unreachable or malformed.</exception>
    Task<SecretProviderClass> GetAsync(string @namespace, string name, CancellationToken cancellationToken);
}
