using CsiDriver.Kubernetes;
using CsiDriver.Tests.Infrastructure;

namespace CsiDriver.Tests.Kubernetes;

public sealed class KubeconfigTests : IAsyncLifetime
{
    private FakeKubeApiServer _server = null!;
    private readonly TestDirectory _dir = new();

    public async Task InitializeAsync() => _server = await FakeKubeApiServer.StartAsync();

    public async Task DisposeAsync()
    {
        await _server.DisposeAsync();
        _dir.Dispose();
    }

    [Fact]
    public void StaticToken_CurrentContextClusterAndNamespace()
    {
        var path = KubeTestContext.WriteKubeconfig(_dir, _server, "token: abc");

        var connection = KubeconfigLoader.Load(path, TimeProvider.System);

        connection.Server.Should().Be(new Uri(_server.Url.ToString().TrimEnd('/')));
        connection.Namespace.Should().Be("team-a");
        connection.CertificateAuthorities.Should().ContainSingle().Which.Thumbprint.Should().Be(_server.CertificateAuthority.Thumbprint);
        connection.Token.Should().BeOfType<StaticBearerToken>();
        connection.ClientCertificate.Should().BeNull();
        connection.ToString().Should().NotContain("abc");
    }

    [Fact]
    public async Task TokenFile_RelativeToTheKubeconfig_IsReadFromTheFile()
    {
        File.WriteAllText(_dir.Combine("token.txt"), "file-token\n");
        var path = KubeTestContext.WriteKubeconfig(_dir, _server, "tokenFile: token.txt");

        var connection = KubeconfigLoader.Load(path, TimeProvider.System);

        (await connection.Token.GetTokenAsync(CancellationToken.None)).Should().Be("file-token");
    }

    [Fact]
    public void CertificateAuthorityFile_AndClientCertificateFiles()
    {
        var cert = TestPki.IssueClient(_server.ClientCertificateAuthority, "someone");
        File.WriteAllText(_dir.Combine("ca.crt"), TestPki.CertificatePem(_server.CertificateAuthority));
        File.WriteAllText(_dir.Combine("client.crt"), TestPki.CertificatePem(cert));
        File.WriteAllText(_dir.Combine("client.key"), TestPki.KeyPem(cert));
        var path = KubeTestContext.WriteKubeconfig(_dir, _server, $"client-certificate: {_dir.Combine("client.crt")}\nclient-key: client.key", caYaml: "certificate-authority: ca.crt");

        var connection = KubeconfigLoader.Load(path, TimeProvider.System);

        connection.CertificateAuthorities.Should().ContainSingle();
        connection.ClientCertificate!.HasPrivateKey.Should().BeTrue();
        connection.ClientCertificate.Subject.Should().Be("CN=someone");
        connection.Token.Should().BeOfType<NoBearerToken>();
    }

    [Fact]
    public void ClientCertificateData()
    {
        var cert = TestPki.IssueClient(_server.ClientCertificateAuthority, "data-user");
        var path = KubeTestContext.WriteKubeconfig(_dir, _server,
            $"client-certificate-data: {KubeTestContext.Base64(TestPki.CertificatePem(cert))}\nclient-key-data: {KubeTestContext.Base64(TestPki.KeyPem(cert))}");

        KubeconfigLoader.Load(path, TimeProvider.System).ClientCertificate!.Subject.Should().Be("CN=data-user");
    }

    [Fact]
    public void ExecPlugin_IsAClearError()
    {
        var path = KubeTestContext.WriteKubeconfig(_dir, _server, "exec:\n  apiVersion: client.authentication.k8s.io/v1\n  command: aws-iam-authenticator");

        var act = () => KubeconfigLoader.Load(path, TimeProvider.System);

        act.Should().Throw<KubernetesConfigException>().WithMessage("*exec credential plugin (aws-iam-authenticator)*token, tokenFile or client certificate*");
    }

    [Fact]
    public void InsecureSkipTlsVerify_IsRefused()
    {
        var path = KubeTestContext.WriteKubeconfig(_dir, _server, "token: x", caYaml: "insecure-skip-tls-verify: true");

        var act = () => KubeconfigLoader.Load(path, TimeProvider.System);

        act.Should().Throw<KubernetesConfigException>().WithMessage("*insecure-skip-tls-verify*");
    }

    [Fact]
    public void CertificateWithoutKey_IsAClearError()
    {
        var cert = TestPki.IssueClient(_server.ClientCertificateAuthority, "half");
        var path = KubeTestContext.WriteKubeconfig(_dir, _server, $"client-certificate-data: {KubeTestContext.Base64(TestPki.CertificatePem(cert))}");

        var act = () => KubeconfigLoader.Load(path, TimeProvider.System);

        act.Should().Throw<KubernetesConfigException>().WithMessage("*both a client certificate and a client key*");
    }

    [Fact]
    public void MalformedInputs_AreClearErrors()
    {
        File.WriteAllText(_dir.Combine("broken"), "clusters: [ {");
        ((Action)(() => KubeconfigLoader.Load(_dir.Combine("broken"), TimeProvider.System))).Should().Throw<KubernetesConfigException>().WithMessage("*not valid YAML*");
        ((Action)(() => KubeconfigLoader.Load(_dir.Combine("absent"), TimeProvider.System))).Should().Throw<KubernetesConfigException>().WithMessage("*does not exist*");
        var badCa = KubeTestContext.WriteKubeconfig(_dir, _server, "token: x", "bad-ca", caYaml: "certificate-authority-data: not-base64!");
        ((Action)(() => KubeconfigLoader.Load(badCa, TimeProvider.System))).Should().Throw<KubernetesConfigException>().WithMessage("*certificate-authority-data is not valid base64*");
        var missingContext = KubeTestContext.WriteKubeconfig(_dir, _server, "token: x", "ctx");
        ((Action)(() => KubeconfigLoader.Load(missingContext, TimeProvider.System, "nope"))).Should().Throw<KubernetesConfigException>().WithMessage("*context \"nope\" not found*");
        ((Action)(() => KubeconfigLoader.Load(missingContext, TimeProvider.System, "other"))).Should().Throw<KubernetesConfigException>().WithMessage("*cluster \"missing\"*");
    }

    [Fact]
    public void SeveralFiles_MergeFirstWins()
    {
        var first = KubeTestContext.WriteKubeconfig(_dir, _server, "token: first", "one");
        var second = KubeTestContext.WriteKubeconfig(_dir, _server, "token: second", "two", namespaceName: "team-b");

        var connection = KubeconfigLoader.Load($"{_dir.Combine("absent")}:{first}:{second}", TimeProvider.System);

        connection.Namespace.Should().Be("team-a");
    }

    [Fact]
    public void SeveralFiles_ContextFromTheFirst_ClusterAndUserFromALaterFile()
    {
        var first = _dir.Combine("context-only");
        File.WriteAllText(first, """
            apiVersion: v1
            kind: Config
            current-context: split
            contexts:
            - name: split
              context:
                cluster: fake
                user: tester
                namespace: team-split
            """);
        var second = KubeTestContext.WriteKubeconfig(_dir, _server, "token: second", "full");

        var connection = KubeconfigLoader.Load($"{first}:{second}", TimeProvider.System);

        connection.Namespace.Should().Be("team-split");
        connection.Server.Should().Be(new Uri(_server.Url.ToString().TrimEnd('/')));
        connection.Token.Should().BeOfType<StaticBearerToken>();
    }

    [Fact]
    public async Task InCluster_ReadsServiceHostTokenAndCa()
    {
        var sa = _dir.CreateDirectory("sa");
        File.WriteAllText(Path.Combine(sa, "token"), "in-cluster-token");
        File.WriteAllText(Path.Combine(sa, "ca.crt"), TestPki.CertificatePem(_server.CertificateAuthority));
        File.WriteAllText(Path.Combine(sa, "namespace"), "kube-system\n");
        var env = new Dictionary<string, string> { ["KUBERNETES_SERVICE_HOST"] = "fd00::1", ["KUBERNETES_SERVICE_PORT"] = "443" };

        var connection = InClusterConfig.Resolve(null, env.GetValueOrDefault, TimeProvider.System, sa)!;

        connection.Server.Should().Be(new Uri("https://[fd00::1]:443"));
        connection.Namespace.Should().Be("kube-system");
        connection.Source.Should().Be("in-cluster");
        (await connection.Token.GetTokenAsync(CancellationToken.None)).Should().Be("in-cluster-token");
    }

    [Fact]
    public void Resolve_PrefersTheFlagThenKubeconfigEnvThenInCluster_AndNoneWithoutAny()
    {
        var path = KubeTestContext.WriteKubeconfig(_dir, _server, "token: x");
        var env = new Dictionary<string, string> { ["KUBERNETES_SERVICE_HOST"] = "10.0.0.1", ["KUBERNETES_SERVICE_PORT"] = "443", ["KUBECONFIG"] = path };

        InClusterConfig.Resolve(path, _ => null, TimeProvider.System)!.Source.Should().StartWith("kubeconfig");
        InClusterConfig.Resolve(null, env.GetValueOrDefault, TimeProvider.System)!.Source.Should().StartWith("kubeconfig");
        InClusterConfig.Resolve(null, _ => null, TimeProvider.System).Should().BeNull();
        ((Action)(() => InClusterConfig.Resolve(null, k => k == "KUBECONFIG" ? null : env.GetValueOrDefault(k), TimeProvider.System, _dir.Combine("no-sa"))))
            .Should().Throw<KubernetesConfigException>().WithMessage("*token*does not exist*");
    }
}
