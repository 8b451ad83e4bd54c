namespace CsiDriver.ExternalSecrets.Kubernetes;

/// <summary>An external-secrets.io collection the controller reads and writes: its API path, plural and scope.</summary>
internal sealed record EsoCollection(string Prefix, string Plural, bool Namespaced)
{
    public const string V1 = "/apis/external-secrets.io/v1";
    public const string V1Alpha1 = "/apis/external-secrets.io/v1alpha1";

    public static EsoCollection ExternalSecrets { get; } = new(V1, "externalsecrets", Namespaced: true);

    public static EsoCollection ClusterExternalSecrets { get; } = new(V1, "clusterexternalsecrets", Namespaced: false);

    public static EsoCollection PushSecrets { get; } = new(V1Alpha1, "pushsecrets", Namespaced: true);

    public static EsoCollection ClusterPushSecrets { get; } = new(V1Alpha1, "clusterpushsecrets", Namespaced: false);

    /// <summary>The SecretStores, or with <paramref name="cluster"/> the ClusterSecretStores.</summary>
    public static EsoCollection Stores(bool cluster) => cluster ? ClusterSecretStores : SecretStores;

    private static EsoCollection SecretStores { get; } = new(V1, "secretstores", Namespaced: true);

    private static EsoCollection ClusterSecretStores { get; } = new(V1, "clustersecretstores", Namespaced: false);

    public override string ToString() => Plural;
}
