namespace CsiDriver.Kubernetes;

/// <summary>The Kubernetes connection cannot be configured (bad kubeconfig, missing in-cluster files).</summary>
public sealed class KubernetesConfigException(string message, Exception? inner = null) : InvalidOperationException(message, inner);
