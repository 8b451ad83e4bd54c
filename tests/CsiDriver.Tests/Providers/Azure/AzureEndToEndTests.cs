using System.Collections.Concurrent;
using System.Diagnostics;
using System.Runtime.CompilerServices;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text.Json.Nodes;
using CsiDriver.Tests.Infrastructure;
using static CsiDriver.Tests.Providers.Azure.AzureTestKit;

namespace CsiDriver.Tests.Providers.Azure;

/// <summary>
/// The driver executable as a child process, configured only through its environment
/// (AZURE_KEYVAULT_ENDPOINT_OVERRIDE, AZURE_AUTHORITY_HOST, SSL_CERT_FILE), publishing the
/// upstream-format manifests from Fixtures/ through the CSI socket against the loopback fakes.
/// The child's environment is its own: this test process's environment is not touched.
/// </summary>
public sealed class AzureEndToEndTests : IAsyncLifetime
{
    private FakeAzure _fake = null!;

    public async Task InitializeAsync()
    {
        _fake = await FakeAzure.StartAsync();
        _fake.FederatedClients[WorkloadClient] = PodToken;
        _fake.SecretClients[SpClient] = SpSecret;
    }

    public async Task DisposeAsync() => await _fake.DisposeAsync();

    [Fact]
    public async Task Publish_UpstreamManifests_FilesFromKeyVaultOnTmpfs()
    {
        var root = TestPki.CreateCa("e2e root");
        var leaf = TestPki.CreateLeaf(root, "web.example.com");
        using var rootPublic = X509CertificateLoader.LoadCertificate(root.RawData);
        _fake.AddSecret("db-password", "p@ss");
        using var rsa = RSA.Create(2048);
        var p = rsa.ExportParameters(false);
        _fake.AddKey("signing-key", new JsonObject { ["kty"] = "RSA", ["n"] = B64Url(p.Modulus!), ["e"] = B64Url(p.Exponent!) });
        _fake.AddCertificate("web-cert", leaf);
        var pfx = TestPki.PfxBase64(leaf, rootPublic);
        _fake.AddSecret("web-cert", pfx, "application/x-pkcs12", certificateBacked: true);
        _fake.AddSecret("api-key", Convert.ToBase64String([0, 1, 2, 255]));
        _fake.AddSecret("rotating", "old");
        _fake.AddSecret("rotating", "new");

        using var dir = new TestDirectory();
        var classes = dir.CreateDirectory("classes");
        foreach (var fixture in Directory.EnumerateFiles(FixturesDirectory(), "*.yaml"))
        {
            File.Copy(fixture, Path.Combine(classes, Path.GetFileName(fixture)));
        }

        var caFile = Path.Combine(dir.Path, "ca.pem");
        File.WriteAllText(caFile, _fake.Ca.ExportCertificatePem());
        var socket = dir.Combine("plugin", "csi.sock");
        using var driver = Start(
            new Dictionary<string, string>
            {
                ["AZURE_KEYVAULT_ENDPOINT_OVERRIDE"] = _fake.BaseAddress.AbsoluteUri,
                ["AZURE_AUTHORITY_HOST"] = _fake.BaseAddress.AbsoluteUri,
                ["SSL_CERT_FILE"] = caFile,
                ["SSL_CERT_DIR"] = dir.CreateDirectory("no-certs"),
            },
            "--endpoint", "unix://" + socket, "--nodeid", "azure-node", "--state-dir", dir.Combine("state"), "--spc-dir", classes, "--metrics-addr", "127.0.0.1:0");
        await driver.WaitForOutputAsync("serving CSI");
        using var client = new CsiClient(socket);

        var wiTarget = dir.Combine("pods", "wi", "mount");
        var wi = CsiClient.PublishRequest(wiTarget, "azure-kv-workload-identity", volumeId: "vol-wi",
            extraContext: new Dictionary<string, string> { ["csi.storage.k8s.io/serviceAccount.tokens"] = TokensJson() });
        await client.PublishAsync(wi);
        try
        {
            Volume.Read(wiTarget, "db-password").Should().Be("p@ss");
            Volume.Read(wiTarget, "signing-key.pem").Should().Be(rsa.ExportSubjectPublicKeyInfoPem() + "\n");
            Volume.Read(wiTarget, "web-cert.pem").Should().Be(leaf.ExportCertificatePem() + "\n");
            var tls = Volume.Read(wiTarget, "tls.pem");
            tls.Should().StartWith("-----BEGIN PRIVATE KEY-----");
            tls.IndexOf(leaf.ExportCertificatePem(), StringComparison.Ordinal).Should().BeLessThan(tls.IndexOf(rootPublic.ExportCertificatePem(), StringComparison.Ordinal));
            Volume.Mode(wiTarget, "tls.pem").Should().Be((UnixFileMode)Convert.ToInt32("640", 8));
            _fake.TokenForms.Should().Contain(f => f["client_assertion"] == PodToken);
        }
        finally
        {
            await client.UnpublishAsync("vol-wi", wiTarget);
        }

        var spTarget = dir.Combine("pods", "sp", "mount");
        var sp = CsiClient.PublishRequest(spTarget, "azure-kv-service-principal", volumeId: "vol-sp");
        sp.Secrets.Add("clientid", SpClient);
        sp.Secrets.Add("clientsecret", SpSecret);
        await client.PublishAsync(sp);
        try
        {
            File.ReadAllBytes(Path.Combine(spTarget, "api-key.bin")).Should().Equal(0, 1, 2, 255);
            Volume.Read(spTarget, "web.pfx.b64").Should().Be(pfx);
            Volume.Read(spTarget, "rotating/0").Should().Be("new");
            Volume.Read(spTarget, "rotating/1").Should().Be("old");
        }
        finally
        {
            await client.UnpublishAsync("vol-sp", spTarget);
        }

        driver.Output.Should().NotContain(PodToken).And.NotContain(SpSecret).And.NotContain("p@ss");
    }

    [Fact]
    public async Task Publish_WorkloadIdentityWithoutToken_FailsWithUpstreamMessageOverCsi()
    {
        using var dir = new TestDirectory();
        var classes = dir.CreateDirectory("classes");
        File.Copy(Path.Combine(FixturesDirectory(), "secretproviderclass-workload-identity.yaml"), Path.Combine(classes, "wi.yaml"));
        var socket = dir.Combine("plugin", "csi.sock");
        using var driver = Start(new Dictionary<string, string> { ["AZURE_KEYVAULT_ENDPOINT_OVERRIDE"] = _fake.BaseAddress.AbsoluteUri },
            "--endpoint", "unix://" + socket, "--nodeid", "azure-node", "--state-dir", dir.Combine("state"), "--spc-dir", classes, "--metrics-addr", "127.0.0.1:0");
        await driver.WaitForOutputAsync("serving CSI");
        using var client = new CsiClient(socket);

        var error = await CsiClient.FailsAsync(() => client.PublishAsync(CsiClient.PublishRequest(dir.Combine("pods", "x", "mount"), "azure-kv-workload-identity")));

        error.Message.Should().Contain("failed to parse workload identity tokens, error: service account tokens not found").And.Contain("default/azure-kv-workload-identity");
        _fake.VaultRequests.Should().BeEmpty();
    }

    private static string FixturesDirectory([CallerFilePath] string source = "") => Path.Combine(Path.GetDirectoryName(source)!, "Fixtures");

    private static string B64Url(byte[] data) => Convert.ToBase64String(data).TrimEnd('=').Replace('+', '-').Replace('/', '_');

    private static ChildDriver Start(Dictionary<string, string> environment, params string[] args)
    {
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        start.ArgumentList.Add(typeof(CsiDriver.Program).Assembly.Location);
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        foreach (var (key, value) in environment)
        {
            start.Environment[key] = value;
        }

        return new ChildDriver(Process.Start(start)!);
    }

    /// <summary>A driver child process with its own environment; killed (by its pid) on dispose.</summary>
    private sealed class ChildDriver : IDisposable
    {
        private readonly Process _process;
        private readonly ConcurrentQueue<string> _output = new();

        public ChildDriver(Process process)
        {
            _process = process;
            process.OutputDataReceived += (_, e) => { if (e.Data is not null) { _output.Enqueue(e.Data); } };
            process.ErrorDataReceived += (_, e) => { if (e.Data is not null) { _output.Enqueue(e.Data); } };
            process.BeginOutputReadLine();
            process.BeginErrorReadLine();
        }

        public string Output => string.Join('\n', _output);

        public async Task WaitForOutputAsync(string text)
        {
            await Eventually.TrueAsync(() => Output.Contains(text, StringComparison.Ordinal) || _process.HasExited, TimeSpan.FromSeconds(60), text);
            if (!Output.Contains(text, StringComparison.Ordinal))
            {
                throw new InvalidOperationException($"driver exited without printing '{text}':\n{Output}");
            }
        }

        public void Dispose()
        {
            if (!_process.HasExited)
            {
                _process.Kill(entireProcessTree: true);
                _process.WaitForExit();
            }

            _process.Dispose();
        }
    }
}
