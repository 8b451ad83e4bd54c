namespace CsiDriver.Kubernetes;

/// <summary>
/// The in-cluster connection: <c>KUBERNETES_SERVICE_HOST</c>/<c>_PORT</c>, the projected service-account
/// token (re-read when kubelet rotates it) and the cluster CA bundle.
/// </summary>
public static class InClusterConfig
{
    public const string DefaultServiceAccountDirectory = "/var/run/secrets/kubernetes.io/serviceaccount";

    /// <summary>
    /// Picks the connection the way controller-runtime does: <c>--kubeconfig</c>, then <c>KUBECONFIG</c>,
    /// then in-cluster. Null when none applies (the driver then runs without an API).
    /// </summary>
    public static KubernetesConnection? Resolve(string? kubeconfigFlag, Func<string, string?> environment, TimeProvider time, string serviceAccountDirectory = DefaultServiceAccountDirectory)
    {
        var kubeconfig = string.IsNullOrEmpty(kubeconfigFlag) ? environment("KUBECONFIG") : kubeconfigFlag;
        if (!string.IsNullOrEmpty(kubeconfig))
        {
            return KubeconfigLoader.Load(kubeconfig, time);
        }

        var (host, port) = (environment("KUBERNETES_SERVICE_HOST"), environment("KUBERNETES_SERVICE_PORT"));
        return string.IsNullOrEmpty(host) || string.IsNullOrEmpty(port) ? null : Load(host, port, time, serviceAccountDirectory);
    }

    /// <summary>The in-cluster connection from the service's host and port (both set) and the service-account folder.</summary>
    private static KubernetesConnection Load(string host, string port, TimeProvider time, string serviceAccountDirectory)
    {
        if (!int.TryParse(port, NumberStyles.None, CultureInfo.InvariantCulture, out var portNumber) || portNumber is < 1 or > 65535)
        {
            throw new KubernetesConfigException($"KUBERNETES_SERVICE_PORT '{port}' is not a port number");
        }

        // An IPv6 service address needs brackets in a URL.
        var hostPart = IPAddress.TryParse(host, out var ip) && ip.AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6 ? $"[{host}]" : host;
        var tokenPath = Path.Combine(serviceAccountDirectory, "token");
        var caPath = Path.Combine(serviceAccountDirectory, "ca.crt");
        if (!File.Exists(tokenPath))
        {
            throw new KubernetesConfigException($"in-cluster config: the service-account token {tokenPath} does not exist (is automountServiceAccountToken off?)");
        }

        if (!File.Exists(caPath))
        {
            throw new KubernetesConfigException($"in-cluster config: the cluster CA bundle {caPath} does not exist");
        }

        var namespacePath = Path.Combine(serviceAccountDirectory, "namespace");
        return new KubernetesConnection
        {
            Server = new Uri($"https://{hostPart}:{portNumber}"),
            CertificateAuthorities = KubeconfigLoader.Certificates(File.ReadAllText(caPath), "in-cluster config", caPath),
            Token = new FileBearerToken(tokenPath, time),
            Namespace = File.Exists(namespacePath) ? File.ReadAllText(namespacePath).Trim() : null,
            Source = "in-cluster",
        };
    }
}
