using CsiDriver.ExternalSecrets.Stores.References;

namespace CsiDriver.ExternalSecrets.Stores;

/// <summary>How a store authenticates, as far as store validation needs it: the Secrets it reads and the namespaces its references name.</summary>
internal abstract record StoreAuth
{
    /// <summary>Every Secret the auth reads, for store validation.</summary>
    public virtual IEnumerable<SecretKeySelector> Secrets => [];

    /// <summary>Every namespace the auth's references name (null = referent), for store validation.</summary>
    public virtual IEnumerable<string?> ReferenceNamespaces => Secrets.Select(s => s.Namespace);

    /// <summary>
    /// Referent auth on a ClusterSecretStore: each ExternalSecret's namespace supplies the credentials, so the store
    /// alone has nothing to check.
    /// </summary>
    public bool IsReferentIn(StoreContext store) => ReferenceNamespaces.Any(ns => StoreReferenceReader.IsReferent(store, ns));
}
