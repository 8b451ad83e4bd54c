using CsiDriver.Providers;
using CsiDriver.Providers.Azure;
using CsiDriver.Publishing;
using CsiDriver.Spec;
using Microsoft.Extensions.Logging.Abstractions;

namespace CsiDriver.Tests.Providers.Azure;

/// <summary>A TimeProvider the test moves by hand.</summary>
internal sealed class ManualTime : TimeProvider
{
    private DateTimeOffset _now = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);

    public override DateTimeOffset GetUtcNow() => _now;

    public void Advance(TimeSpan by) => _now += by;
}

/// <summary>Builds providers pointed at a <see cref="FakeAzure"/> and requests in the upstream shape.</summary>
internal static class AzureTestKit
{
    public const string PodToken = "eyJhbGciOiJSUzI1NiJ9.pod-sa-token-for-azure.c2lnbmF0dXJl";
    public const string WorkloadClient = "11111111-2222-3333-4444-555555555555";
    public const string SpClient = "99999999-8888-7777-6666-555555555555";
    public const string SpSecret = "sp-secret-Zx8Q~never-print-me";

    public static AzureProviderOptions Options(FakeAzure fake) => new()
    {
        KeyVaultEndpointOverride = fake.BaseAddress,
        AuthorityHostOverride = fake.BaseAddress,
        ImdsEndpoint = fake.BaseAddress,
        NmiEndpoint = new Uri(fake.BaseAddress, "host/token/"),
        Handler = TestPki.TrustingOnly(fake.Ca),
        RequestTimeout = TimeSpan.FromSeconds(20),
    };

    public static AzureProvider Provider(FakeAzure fake, TimeProvider? time = null, Func<AzureProviderOptions, AzureProviderOptions>? tweak = null)
    {
        var options = Options(fake);
        return new AzureProvider(tweak is null ? options : tweak(options), time ?? TimeProvider.System, NullLogger<AzureProvider>.Instance);
    }

    /// <summary>Workload identity parameters for <paramref name="objects"/> (an upstream <c>array:</c> block).</summary>
    public static Dictionary<string, string> WorkloadParameters(string objects) => new()
    {
        ["keyvaultName"] = FakeAzure.VaultName,
        ["tenantID"] = FakeAzure.Tenant,
        ["clientID"] = WorkloadClient,
        ["objects"] = objects,
    };

    public static string Objects(params string[] documents) =>
        "array:\n" + string.Concat(documents.Select(d => "  - |\n" + string.Concat(d.Split('\n').Select(line => "    " + line + "\n"))));

    public static string TokensJson(string token = PodToken, string audience = "api://AzureADTokenExchange") =>
        $$$"""{"{{{audience}}}":{"token":"{{{token}}}","expirationTimestamp":"2026-01-01T01:00:00Z"}}""";

    public static ProviderRequest Request(
        Dictionary<string, string> parameters,
        string? tokensJson = "default",
        Dictionary<string, string>? secrets = null,
        string podName = "app-0")
    {
        var tokens = ServiceAccountTokens.Parse(tokensJson == "default" ? TokensJson() : tokensJson);
        var attributes = new Dictionary<string, string>(parameters)
        {
            ["secretProviderClass"] = "azure-kv",
            ["csi.storage.k8s.io/pod.name"] = podName,
            ["csi.storage.k8s.io/pod.namespace"] = "default",
            ["csi.storage.k8s.io/serviceAccount.name"] = "workload",
        };
        return new ProviderRequest(
            new SecretProviderClass { Name = "azure-kv", Namespace = "default", Provider = "azure", Parameters = parameters },
            attributes,
            new PodIdentity(podName, "default", "uid-1", "workload", tokens),
            secrets ?? new Dictionary<string, string>(),
            (UnixFileMode)Convert.ToInt32("644", 8),
            [],
            "/tmp/unused");
    }

    /// <summary>The message names the class and carries no credential or issued token.</summary>
    public static void ShouldBeClean(this SecretStoreException ex, FakeAzure? fake = null, params string[] secrets)
    {
        ex.Message.Should().Contain("default/azure-kv");
        ex.Message.Should().NotContain(PodToken).And.NotContain(SpSecret).And.NotContain("fake-access-token");
        foreach (var secret in secrets)
        {
            ex.Message.Should().NotContain(secret);
        }

        foreach (var token in fake?.IssuedTokens ?? [])
        {
            ex.Message.Should().NotContain(token);
        }
    }

    public static string Text(this ProviderResult result, string path) =>
        System.Text.Encoding.UTF8.GetString(result.Files.Single(f => f.Path == path).Contents.Span);
}
